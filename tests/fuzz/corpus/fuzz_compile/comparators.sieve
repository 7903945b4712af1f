require "comparator-i;ascii-numeric";
if header :is :comparator "i;ascii-numeric" "X-Priority" "1" { keep; }
if size :over 10K { discard; }
if address :localpart :contains ["to", "cc"] "bob" { keep; }
