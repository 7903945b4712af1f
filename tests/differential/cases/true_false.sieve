if false { discard; }
if true { redirect "t@example.net"; }
