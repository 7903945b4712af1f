require ["envelope", "fileinto"];
if envelope :is "from" "sender@example.com" { fileinto "a"; }
if envelope :is "to" "recipient@example.com" { fileinto "b"; }
