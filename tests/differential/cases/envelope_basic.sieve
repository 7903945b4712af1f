require ["envelope", "fileinto"];
if envelope :is "from" "owner-list@example.org" { fileinto "a"; }
if envelope :is :domain "to" "EXAMPLE.COM" { fileinto "b"; }
if envelope :is :localpart "to" "bob" { fileinto "c"; }
