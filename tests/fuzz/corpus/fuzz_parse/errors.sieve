if header :is :contains "a" "b" { frob; }
elsif true { }
require "x";
redirect 42;
