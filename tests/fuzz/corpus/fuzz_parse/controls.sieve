require ["fileinto", "envelope", "encoded-character"];
if anyof (header :matches "Subject" "[*] *", envelope :domain "to" "example.net") {
  fileinto "Lists/${hex:41 42}";
} elsif not exists ["From", "Date"] { discard; stop; } else { redirect "a@example.com"; }
