require "fileinto";
if address :is "x-addr" "mallory@example.com" { fileinto "a"; }
if address :contains :localpart "x-addr" "bad" { fileinto "b"; }
if address :is :domain "x-addr" "nolocal.example" { fileinto "c"; }
