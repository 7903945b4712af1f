// The event JSON (docs/events.md), IMAP URLs, ids, backoff and Retry-After
// (the Redis URL: tests/unit/transport).
#include "events/event.hpp"

#include <gtest/gtest.h>

#include <set>

#include "events/sender.hpp"

namespace zest::events {
namespace {

using json = nlohmann::json;

TEST(ImapUrl, EncodesUserAndMailboxPerRfc5092) {
  EXPECT_EQ(imap_message_url("alice@example.org", "mx.test", "INBOX", 1700000000, 42),
            "imap://alice%40example.org@mx.test/INBOX;UIDVALIDITY=1700000000/;UID=42");
  EXPECT_EQ(imap_mailbox_url("bob", "mx", "Lists/sieve", 7),
            "imap://bob@mx/Lists/sieve;UIDVALIDITY=7");
  // UTF-8, percent-encoded; ';' '?' '#' and space are not bchars.
  EXPECT_EQ(imap_mailbox_url("bob", "mx", "Entw\xc3\xbcrfe a;b?", 7),
            "imap://bob@mx/Entw%C3%BCrfe%20a%3Bb%3F;UIDVALIDITY=7");
  EXPECT_EQ(imap_mailbox_url("bob", "mx", "inbox", 7), "imap://bob@mx/INBOX;UIDVALIDITY=7");
}

TEST(EventId, IsAUlid) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = new_event_id();
    ASSERT_EQ(id.size(), 26u);
    EXPECT_EQ(id.find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ"), std::string::npos);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
  // Time-ordered: a later id sorts after (the time part is the first 10 digits).
  EXPECT_LE(new_event_id().substr(0, 10), new_event_id().substr(0, 10));
}

TEST(Timestamp, Rfc3339WithOffset) {
  const std::string t = rfc3339_now();
  ASSERT_EQ(t.size(), 29u) << t;
  EXPECT_EQ(t[10], 'T');
  EXPECT_EQ(t[19], '.');
  EXPECT_TRUE(t[23] == '+' || t[23] == '-') << t;
  EXPECT_EQ(t[26], ':');
}

Event sample() {
  MessageNewInfo m;
  m.mailbox = "INBOX";
  m.uidvalidity = 1700000000;
  m.uid = 42;
  m.size = 2412;
  m.envelope = "MAIL FROM:<bob@example.net>\r\nRCPT TO:<alice@example.org>";
  m.flags = {"\\Seen", "\\Recent", "work"};
  m.message_id = "<m1@example.net>";
  m.from = "Bob <bob@example.net>";
  m.subject = "Hi \xff";  // invalid UTF-8 survives as U+FFFD
  return message_new({"alice@example.org", "mx1.example.org", "lmtp"}, m);
}

TEST(MessageNew, CarriesTheRfc5423Parameters) {
  const Event e = sample();
  EXPECT_EQ(e.type, "MessageNew");
  EXPECT_EQ(e.user, "alice@example.org");
  const auto& d = e.data;
  EXPECT_EQ(d["user"], "alice@example.org");
  EXPECT_EQ(d["uri"],
            "imap://alice%40example.org@mx1.example.org/INBOX;UIDVALIDITY=1700000000/;UID=42");
  EXPECT_EQ(d["mailboxID"],
            "imap://alice%40example.org@mx1.example.org/INBOX;UIDVALIDITY=1700000000");
  EXPECT_EQ(d["messageSize"], 2412);
  EXPECT_EQ(d["flagNames"], "\\Seen work");  // never \Recent (RFC 5423 §5)
  EXPECT_EQ(d["service"], "lmtp");
  EXPECT_EQ(d["serverFQDN"], "mx1.example.org");
  EXPECT_EQ(d["timestamp"], e.time);
  EXPECT_EQ(d["vnd.zest.messageId"], "<m1@example.net>");
}

TEST(CloudEvent, StructuredModeDocument) {
  const Event e = sample();
  StreamEvent s{
      e.id, e.type, e.user, e.time, e.data.dump(-1, ' ', false, json::error_handler_t::replace), 7};
  const json doc = json::parse(cloudevent_json(s, "urn:zest:mx1.example.org", {}));
  EXPECT_EQ(doc["specversion"], "1.0");
  EXPECT_EQ(doc["id"], e.id);
  EXPECT_EQ(doc["type"], "MessageNew");
  EXPECT_EQ(doc["source"], "urn:zest:mx1.example.org");
  EXPECT_EQ(doc["subject"], "alice@example.org");
  EXPECT_EQ(doc["time"], e.time);
  EXPECT_EQ(doc["sequence"], "00000000000000000007");
  EXPECT_EQ(doc["datacontenttype"], "application/json");
  EXPECT_EQ(doc["data"]["messageSize"], 2412);
  EXPECT_EQ(doc["data"]["vnd.zest.subject"], "Hi \xef\xbf\xbd");
}

TEST(CloudEvent, DeniedFieldsAreLeftOut) {
  const Event e = sample();
  StreamEvent s{
      e.id, e.type, e.user, e.time, e.data.dump(-1, ' ', false, json::error_handler_t::replace), 1};
  const std::vector<std::string> denied = {"vnd.zest.from", "vnd.zest.subject", "envelope"};
  const std::string text = cloudevent_json(s, "urn:x", denied);
  const json doc = json::parse(text);
  EXPECT_FALSE(doc["data"].contains("vnd.zest.from"));
  EXPECT_FALSE(doc["data"].contains("vnd.zest.subject"));
  EXPECT_FALSE(doc["data"].contains("envelope"));
  EXPECT_EQ(text.find("bob@example.net"), std::string::npos);
  EXPECT_TRUE(doc["data"].contains("vnd.zest.messageId"));
}

TEST(VendorEvents, Names) {
  const Common c{"alice", "mx", "lmtp"};
  EXPECT_EQ(message_refused(c, true, "env", "no", "", "", "").type, "vnd.zest.MessageRejected");
  EXPECT_EQ(message_refused(c, false, "env", "", "", "", "").type, "vnd.zest.MessageDiscarded");
  const Event m = mailbox_create(c, "Lists/x", 9);
  EXPECT_EQ(m.type, "MailboxCreate");
  EXPECT_EQ(m.data["mailboxID"], "imap://alice@mx/Lists/x;UIDVALIDITY=9");
  const Event l = login({"alice", "mx", "sieve"}, {"127.0.0.1", 4190, "127.0.0.1", 5555});
  EXPECT_EQ(l.type, "Login");
  EXPECT_EQ(l.data["serverPort"], 4190);
  EXPECT_EQ(logout({"alice", "mx", "sieve"}, {}, "graceful").data["vnd.zest.disconnect"],
            "graceful");
}

TEST(Backoff, ExponentialWithJitterCappedAndRetryAfter) {
  SenderOptions o;
  o.backoff_initial = std::chrono::milliseconds(100);
  o.backoff_max = std::chrono::milliseconds(1000);
  using ms = std::chrono::milliseconds;
  EXPECT_EQ(retry_delay(1, o, 0.0, std::nullopt), ms(50));
  EXPECT_EQ(retry_delay(1, o, 0.999999, std::nullopt), ms(99));
  EXPECT_EQ(retry_delay(3, o, 0.0, std::nullopt), ms(200));
  EXPECT_EQ(retry_delay(30, o, 0.0, std::nullopt), ms(500));
  EXPECT_LE(retry_delay(30, o, 0.999, std::nullopt), ms(1000));
  EXPECT_EQ(retry_delay(1, o, 0.0, ms(5000)), ms(5000));
  EXPECT_EQ(retry_delay(1, o, 0.0, ms(10)), ms(50));
}

TEST(RetryAfter, SecondsAndHttpDate) {
  using ms = std::chrono::milliseconds;
  EXPECT_EQ(parse_retry_after(" 120\r\n", 0), ms(120000));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 - 60), ms(60000));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 + 60), ms(0));
  EXPECT_FALSE(parse_retry_after("soon", 0));
  // Found by fuzzing: seconds × 1000 overflowed. Capped at one day.
  EXPECT_EQ(parse_retry_after("160328035842803471", 0), ms(86400000));
  EXPECT_EQ(parse_retry_after("99999999999999999999999", 0), ms(86400000));
  EXPECT_EQ(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", 0), ms(86400000));
  EXPECT_FALSE(parse_retry_after("-5", 0));
  EXPECT_FALSE(parse_retry_after("", 0));
}

}  // namespace
}  // namespace zest::events
