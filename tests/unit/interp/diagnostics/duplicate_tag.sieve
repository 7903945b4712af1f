if address :all :all "From" "x" { discard; }
