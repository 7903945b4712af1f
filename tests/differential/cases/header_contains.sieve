require "fileinto";
if header :contains ["to", "cc"] ["nomatch", "DAVE"] { fileinto "hit"; }
