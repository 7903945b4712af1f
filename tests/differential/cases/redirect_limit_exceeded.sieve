# Five redirects exceed the default limit of 4: runtime error.
redirect "a@example.net";
redirect "b@example.net";
redirect "c@example.net";
redirect "d@example.net";
redirect "e@example.net";
