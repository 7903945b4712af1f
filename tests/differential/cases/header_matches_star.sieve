require "fileinto";
if header :matches "subject" "weekly*done*" { fileinto "hit"; }
