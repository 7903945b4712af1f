# requires-zest: imap4flags
require "imap4flags";
setflag "\\seen \\SEEN $Label";
