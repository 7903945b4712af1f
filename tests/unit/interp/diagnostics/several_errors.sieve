frob;
if header :is :contains "S" "x" { discard; }
fileinto "x";
