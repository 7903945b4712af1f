require "fileinto";
if header :is "x-bad" "=?UTF-8?X?invalid?= plain" { fileinto "a"; }
if header :contains "x-raw" "Grüße" { fileinto "b"; }
