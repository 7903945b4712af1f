require "fileinto";
if address :is "cc" "eve@example.net" { fileinto "a"; }
if address :is "cc" "frank@example.net" { fileinto "b"; }
if address :is "cc" "grace@example.com" { fileinto "c"; }
if address :matches "to" "*" { fileinto "d"; }
