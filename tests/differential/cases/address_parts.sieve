require "fileinto";
if address :is :all "from" "alice@example.org" { fileinto "all"; }
if address :is :localpart "from" "ALICE" { fileinto "local"; }
if address :is :domain "cc" "example.net" { fileinto "domain"; }
if address :contains :domain "to" "EXAMPLE.COM" { fileinto "contains"; }
