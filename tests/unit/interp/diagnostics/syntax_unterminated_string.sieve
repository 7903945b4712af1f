if header :is "Subject" "never closed { discard; }
