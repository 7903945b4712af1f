# requires-zest: copy
require ["copy", "fileinto"];
fileinto :copy "Archive";
redirect :copy "archive@example.net";
