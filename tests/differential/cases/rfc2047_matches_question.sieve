# ? matches one character, not one octet, under i;ascii-casemap.
require "fileinto";
if header :matches "subject" "Gr??e aus K?ln" { fileinto "a"; }
if header :matches "subject" "Gr????e*" { fileinto "b"; }
