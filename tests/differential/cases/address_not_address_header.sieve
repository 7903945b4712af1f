# RFC 5228 5.1: address on a non-address header (Subject).
require "fileinto";
if address :contains "subject" "report" { fileinto "a"; }
