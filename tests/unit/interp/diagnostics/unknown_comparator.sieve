if header :comparator "i;frobnicate" "Subject" "x" { discard; }
