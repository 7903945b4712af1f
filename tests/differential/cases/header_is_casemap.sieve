require "fileinto";
if header :is "Subject" "WEEKLY REPORT: 50% DONE *NOW*" { fileinto "hit"; }
