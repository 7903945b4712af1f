if header :frob "Subject" "x" { discard; }
