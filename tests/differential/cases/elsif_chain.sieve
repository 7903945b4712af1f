require "fileinto";
if header :is "subject" "x" { fileinto "a"; }
elsif header :contains "subject" "REPORT" { fileinto "b"; }
elsif true { fileinto "c"; }
else { fileinto "d"; }
