require "fileinto";
if address :is "from" "andre@example.fr" { fileinto "a"; }
if address :is "to" "bob@example.com" { fileinto "b"; }
