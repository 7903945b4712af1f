# "" is a substring of every value, but a missing header matches nothing.
require "fileinto";
if header :contains "subject" "" { fileinto "a"; }
if header :contains "x-no-such" "" { fileinto "b"; }
