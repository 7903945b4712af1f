# requires-zest: variables
require ["variables", "fileinto"];
if header :matches "list-id" "*<*.lists.example.org>" { set :lower "list" "${2}"; fileinto "Lists/${list}"; }
