require "fileinto";
if header :is "subject" "Weekly report: 50% done *now*" { fileinto "hit"; }
