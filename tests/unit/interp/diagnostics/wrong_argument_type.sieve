redirect 42;
if size :over "big" { discard; }
