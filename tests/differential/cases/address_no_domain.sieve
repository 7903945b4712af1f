require "fileinto";
if address :is :localpart "resent-from" "ivan" { fileinto "a"; }
if address :is :all "resent-from" "ivan" { fileinto "b"; }
if address :matches :domain "resent-from" "*" { fileinto "c"; }
