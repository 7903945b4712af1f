# RFC 5228 8.3: a test-list holds at least one test.
if allof () { discard; }
