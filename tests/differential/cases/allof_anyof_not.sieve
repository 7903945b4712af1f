require "fileinto";
if allof (exists "from", not exists "x-no", anyof (false, header :contains "subject" "report")) { fileinto "a"; }
if anyof (false, not true) { fileinto "b"; }
