require "fileinto";
fileinto;
if header "Subject" { keep; }
