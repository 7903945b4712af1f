# requires-zest: regex
require ["regex", "fileinto"];
if header :regex "subject" "^weekly [a-z]+: [0-9]+%" { fileinto "a"; }
