redirect "<bob@example.net>";
