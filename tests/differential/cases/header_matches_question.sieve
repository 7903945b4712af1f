require "fileinto";
if header :matches "x-mixed" "Hell? W?rld" { fileinto "a"; }
if header :matches "x-mixed" "Hell?W?rld" { fileinto "b"; }
