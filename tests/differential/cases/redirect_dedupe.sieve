# Same address twice (domain case differs) gives one redirect.
redirect "bob@example.net";
redirect "bob@EXAMPLE.NET";
redirect "bob@example.net";
