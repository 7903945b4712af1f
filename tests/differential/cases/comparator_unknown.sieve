if header :is :comparator "i;no-such" "subject" "x" { discard; }
