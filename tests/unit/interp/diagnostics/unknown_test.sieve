if frobnicates "x" { discard; }
