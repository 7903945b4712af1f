# requires-zest: reject
# RFC 5429 2.2: reject with fileinto is a runtime error.
require ["reject", "fileinto"];
fileinto "A";
reject "no";
