require "encoded-character";
if header :is "Subject" ["${unicode:200000}", "${hex:400}", "$${hex:40}", "${hex:4${hex:30}}"] { keep; }
