require ["fileinto", "comparator-i;ascii-numeric"];
if header :is :comparator "i;ascii-numeric" "x-spam-score" "007" { fileinto "a"; }
if header :is :comparator "i;ascii-numeric" "x-mixed" "" { fileinto "b"; }
