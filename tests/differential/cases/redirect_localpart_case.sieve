# Local parts are case-sensitive (RFC 5321 2.4): two redirects.
redirect "bob@example.net";
redirect "Bob@example.net";
