require "fileinto";
if address :is "reply-to" "heidi@example.com" { fileinto "a"; }
if address :is :domain "reply-to" "route.example" { fileinto "b"; }
