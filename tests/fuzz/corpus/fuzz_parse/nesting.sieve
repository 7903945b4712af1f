if not not not not not not not not anyof(allof(true, not false), anyof(false)) { if true { if true { keep; } } }
