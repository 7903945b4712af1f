require "fileinto";
if header :is "subject" "This is a long subject that was folded	over three lines" { fileinto "a"; }
if header :contains "subject" "folded over" { fileinto "b"; }
