# requires-zest: imap4flags
require ["imap4flags", "fileinto"];
addflag "\\Seen";
addflag ["$Work", "\\flagged"];
fileinto "A";
removeflag "\\Seen";
fileinto :flags "\\Draft $x" "B";
