require "fileinto";
if header :matches :comparator "i;octet" "x-mixed" "hello*" { fileinto "a"; }
if header :matches :comparator "i;octet" "x-mixed" "Hello*" { fileinto "b"; }
