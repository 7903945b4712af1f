require "envelope";
if envelope "frob" "x" { discard; }
