# Duplicates do not count against the limit.
redirect "a@example.net";
redirect "a@example.net";
redirect "b@example.net";
redirect "b@example.net";
redirect "c@example.net";
redirect "d@example.net";
