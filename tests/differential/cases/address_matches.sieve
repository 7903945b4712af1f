require "fileinto";
if address :matches "to" "dave+*@example.com" { fileinto "a"; }
if address :matches :localpart "to" "?ob" { fileinto "b"; }
