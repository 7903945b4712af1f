require "fileinto";
if address :is :domain "resent-to" "[192.0.2.1]" { fileinto "a"; }
