require "fileinto";
if header :is "subject" "Grüße aus Köln" { fileinto "a"; }
if header :contains "from" "André Müller" { fileinto "b"; }
if header :is "x-split" "café crème" { fileinto "c"; }
