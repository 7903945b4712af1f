if envelope "from" "a@example.com" { discard; }
