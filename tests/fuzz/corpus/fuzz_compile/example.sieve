# zest example: the personal filter of alice@example.org.
# Uses only RFC 5228 core, fileinto and envelope.
require ["fileinto", "envelope"];

# Mail the upstream scanner marked as spam: into Junk, nothing else.
if header :is "X-Spam-Flag" "YES" {
  fileinto "Junk";
  stop;
}

# Mailing lists: one folder per list, chosen by the List-Id header.
if header :contains "List-Id" "<sieve-users.lists.example.org>" {
  fileinto "Lists/sieve-users";
} elsif exists "List-Id" {
  fileinto "Lists/other";
}

# Invoices sent to the +invoices sub-address go to Finance.
if envelope :localpart :matches "to" "*+invoices" {
  fileinto "Finance/Invoices";
}

# Anything urgent is also forwarded to the phone.
if anyof (header :contains "Subject" "urgent",
          header :is "X-Priority" "1") {
  redirect "alice.mobile@example.net";
}

# Newsletters nobody reads: dropped silently.
if address :is :domain "from" "newsletters.example.com" {
  discard;
}
