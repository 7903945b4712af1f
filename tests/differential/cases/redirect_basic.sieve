redirect "bob.mobile@example.net";
