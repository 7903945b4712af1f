# requires-zest: subaddress
require ["subaddress", "envelope", "fileinto"];
if envelope :detail "to" "sieve" { fileinto "a"; }
if envelope :user "to" "bob" { fileinto "b"; }
