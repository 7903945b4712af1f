keep "INBOX";
discard "now";
