# i;ascii-numeric has no substring operation (RFC 4790 9.1.1).
require ["fileinto", "comparator-i;ascii-numeric"];
if header :contains :comparator "i;ascii-numeric" "x-spam-score" "7" { fileinto "a"; }
