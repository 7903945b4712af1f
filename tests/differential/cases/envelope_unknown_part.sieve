# RFC 5228 5.4: envelope parts other than from/to are an error unless supported.
require ["envelope", "fileinto"];
if envelope :is "x-unknown" "a" { fileinto "a"; }
