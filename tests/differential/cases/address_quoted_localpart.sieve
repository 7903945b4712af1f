require "fileinto";
if address :is :localpart "bcc" "john doe" { fileinto "a"; }
if address :is :all "bcc" "\"john doe\"@example.com" { fileinto "b"; }
if address :is :all "bcc" "john doe@example.com" { fileinto "c"; }
