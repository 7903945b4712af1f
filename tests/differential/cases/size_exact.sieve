# The message is 662 octets (CRLF line ends).
require "fileinto";
if size :over 661 { fileinto "over-minus-1"; }
if size :over 662 { fileinto "over-exact"; }
if size :under 663 { fileinto "under-plus-1"; }
if size :under 662 { fileinto "under-exact"; }
