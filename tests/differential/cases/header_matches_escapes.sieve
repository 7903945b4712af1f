# \\* and \\? match a literal * and ? (RFC 5228 2.7.1).
require "fileinto";
if header :matches "subject" "*50% done \\*now\\*" { fileinto "a"; }
if header :matches "subject" "*50% done \\*no\\?\\*" { fileinto "b"; }
if header :matches "subject" "*\\**" { fileinto "c"; }
