# :matches is anchored at both ends.
require "fileinto";
if header :matches "subject" "report" { fileinto "a"; }
if header :matches "subject" "*report*" { fileinto "b"; }
if header :matches "subject" "" { fileinto "c"; }
