require "fileinto";
if exists ["From", "Subject"] { fileinto "a"; }
if exists ["From", "X-No-Such"] { fileinto "b"; }
if exists "list-id" { fileinto "c"; }
