require "fileinto";
if header :is "x-no-such" "" { fileinto "a"; }
if not header :matches "x-no-such" "*" { fileinto "b"; }
