require "comparator-i;ascii-numeric";
if header :contains :comparator "i;ascii-numeric" "X-N" "1" { discard; }
if header :matches :comparator "i;ascii-numeric" "X-N" "1*" { discard; }
