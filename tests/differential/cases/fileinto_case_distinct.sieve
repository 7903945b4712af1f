# Mailbox names other than INBOX are case-sensitive (RFC 3501 5.1).
require "fileinto";
fileinto "Lists";
fileinto "lists";
