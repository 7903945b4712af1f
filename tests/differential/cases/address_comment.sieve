require "fileinto";
if address :is "from" "alice@example.org" { fileinto "a"; }
if address :is "sender" "sec@example.org" { fileinto "b"; }
if address :is :domain "sender" "example.org" { fileinto "c"; }
