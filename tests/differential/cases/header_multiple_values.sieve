require "fileinto";
if header :is "x-dup" "second" { fileinto "a"; }
if header :is "X-DUP" "third" { fileinto "b"; }
