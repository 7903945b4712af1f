# Leading whitespace of a field body is not part of the value; trailing?
require "fileinto";
if header :is "x-leading" "lots of leading space" { fileinto "lead"; }
if header :is "x-trailing" "value with trailing space" { fileinto "trail-stripped"; }
if header :is "x-trailing" "value with trailing space   " { fileinto "trail-kept"; }
if header :is "x-empty" "" { fileinto "empty"; }
