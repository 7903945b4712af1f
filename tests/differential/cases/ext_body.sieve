# requires-zest: body
require ["body", "fileinto"];
if body :contains "attached in spirit" { fileinto "a"; }
