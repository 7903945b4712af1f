require ["envelope", "fileinto"];
if envelope :matches "to" "*+*@*" { fileinto "detail"; }
if envelope :contains :domain "from" "list" { fileinto "b"; }
