# requires-zest: mailbox
require ["mailbox", "fileinto"];
fileinto :create "New/Folder";
