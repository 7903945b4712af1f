# A list with unparsable members (RFC 5228 5.1: implementation-defined).
require "fileinto";
if address :is "resent-cc" "mallory@example.com" { fileinto "a"; }
if address :contains :localpart "resent-cc" "bad" { fileinto "b"; }
if address :is :domain "resent-cc" "nolocal.example" { fileinto "c"; }
if address :is :localpart "resent-cc" "mallory" { fileinto "d"; }
if address :is :all "resent-cc" "Mallory <mallory@example.com>, , <>, bad@, @nolocal.example" { fileinto "e"; }
