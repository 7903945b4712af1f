require "encoded-character";
if header :is "Subject" "${unicode:200000}" { discard; }
