# requires-zest: relational
require ["relational", "comparator-i;ascii-numeric", "fileinto"];
if header :value "ge" :comparator "i;ascii-numeric" "x-spam-score" "5" { fileinto "Spam"; }
if header :count "eq" :comparator "i;ascii-numeric" "received" "2" { fileinto "two-hops"; }
