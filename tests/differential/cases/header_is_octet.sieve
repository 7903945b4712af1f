require "fileinto";
if header :is :comparator "i;octet" "subject" "WEEKLY REPORT: 50% DONE *NOW*" { fileinto "hit"; } else { fileinto "miss"; }
