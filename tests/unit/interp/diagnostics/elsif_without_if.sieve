keep;
elsif true { discard; }
else { discard; }
