// [[notify.http.target]] request formats: prefix matching, the ntfy and
// Gotify requests built from the prepared JSON notification, the checks.
#include "transport/notify_formats.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/text.hpp"

namespace zest::transport {
namespace {

methods::HttpPayload payload(int importance, std::string from = "Bob <bob@example.org>") {
  methods::HttpPayload p;
  p.url = "https://ntfy.example.org/alice-mail";
  p.event_id = "evt_1";
  nlohmann::json body = {{"event", "sieve.notify"},
                         {"id", "evt_1"},
                         {"user", "alice"},
                         {"importance", importance},
                         {"message", "Invoice from ACME"},
                         {"trigger", {{"from", from}, {"envelope_from", "bob@example.org"}}}};
  p.body = body.dump();
  p.headers = {{"Content-Type", "application/json"}, {"Urgency", "high"}};
  return p;
}

bool has(const WebhookRequest& r, const std::string& line) {
  for (const auto& h : r.headers)
    if (h == line) return true;
  return false;
}

TEST(NotifyFormats, LongestPrefixWins) {
  std::vector<HttpTarget> t = {{"https://a.example/", "ntfy"},
                               {"https://a.example/g/", "gotify", "k"}};
  EXPECT_EQ(target_for(t, "https://a.example/x"), &t[0]);
  EXPECT_EQ(target_for(t, "https://a.example/g/message"), &t[1]);
  EXPECT_EQ(target_for(t, "https://b.example/"), nullptr);
}

TEST(NotifyFormats, DefaultIsThePreparedJson) {
  const auto p = payload(1);
  auto r = format_request(p, nullptr, "imap://x");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, p.body);
  EXPECT_EQ(r->webhook_id, "evt_1");
  EXPECT_TRUE(has(*r, "Urgency: high"));
  HttpTarget json{"https://", "json"};
  auto r2 = format_request(p, &json, "");
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, p.body);
}

TEST(NotifyFormats, Ntfy) {
  HttpTarget t{"https://ntfy.example.org/", "ntfy", "tk_abc", "", {"envelope", "mail"}};
  auto r = format_request(payload(1), &t, "imap://alice@mx/INBOX;UIDVALIDITY=1/;UID=7");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "Invoice from ACME");
  EXPECT_TRUE(has(*r, "Content-Type: text/plain; charset=utf-8"));
  EXPECT_TRUE(has(*r, "Title: Mail from Bob <bob@example.org>"));
  EXPECT_TRUE(has(*r, "Priority: 4"));
  EXPECT_TRUE(has(*r, "Tags: envelope,mail"));
  EXPECT_TRUE(has(*r, "Click: imap://alice@mx/INBOX;UIDVALIDITY=1/;UID=7"));
  EXPECT_TRUE(has(*r, "Authorization: Bearer tk_abc"));
  EXPECT_EQ(r->webhook_id, "evt_1");  // signed like every https notification
  auto low = format_request(payload(3), &t, "");
  ASSERT_TRUE(low);
  EXPECT_TRUE(has(*low, "Priority: 2"));
  for (const auto& h : low->headers) EXPECT_FALSE(h.starts_with("Click:")) << h;
}

TEST(NotifyFormats, NtfyHeadersStayAsciiAndOneLine) {
  HttpTarget t{"https://ntfy.example.org/", "ntfy", "", "Basic dTpw"};
  auto r = format_request(payload(2, "Zo\xc3\xab \"Z\"\r\nX-Evil: 1"), &t, "");
  ASSERT_TRUE(r);
  EXPECT_TRUE(has(*r, "Authorization: Basic dTpw"));
  EXPECT_TRUE(has(*r, "Priority: 3"));
  for (const auto& h : r->headers) {
    EXPECT_EQ(h.find_first_of("\r\n"), std::string::npos) << h;
    for (unsigned char c : h) EXPECT_LT(c, 0x80) << h;
    if (h.starts_with("Title: ")) {
      EXPECT_NE(base::to_lower(h).find("=?utf-8?b?"), std::string::npos) << h;
    }
  }
}

TEST(NotifyFormats, Gotify) {
  HttpTarget t{"https://push.example.org/", "gotify", "AppTok"};
  auto p = payload(1);
  p.url = "https://push.example.org/message";
  auto r = format_request(p, &t, "imap://alice@mx/INBOX");
  ASSERT_TRUE(r);
  EXPECT_TRUE(has(*r, "X-Gotify-Key: AppTok"));
  EXPECT_TRUE(has(*r, "Content-Type: application/json"));
  const auto doc = nlohmann::json::parse(r->body);
  EXPECT_EQ(doc["title"], "Mail from Bob <bob@example.org>");
  EXPECT_EQ(doc["message"], "Invoice from ACME");
  EXPECT_EQ(doc["priority"], 8);
  EXPECT_EQ(doc["extras"]["client::notification"]["click"]["url"], "imap://alice@mx/INBOX");
  EXPECT_EQ(nlohmann::json::parse(format_request(payload(2), &t, "")->body)["priority"], 5);
}

TEST(NotifyFormats, CloudEvents) {
  auto p = payload(1);
  auto body = nlohmann::json::parse(p.body);
  body["timestamp"] = "2026-12-05T06:00:00Z";
  p.body = body.dump();
  // By [notify.http] format, or by a target.
  auto r = format_request(p, nullptr, "", {"cloudevents", "urn:zest:mx", 42});
  ASSERT_TRUE(r);
  HttpTarget t{"https://", "cloudevents"};
  auto r2 = format_request(p, &t, "", {"json", "urn:zest:mx", 42});
  ASSERT_TRUE(r2);
  EXPECT_EQ(r->body, r2->body);
  EXPECT_TRUE(has(*r, "Content-Type: application/cloudevents+json; charset=utf-8"));
  EXPECT_FALSE(has(*r, "Content-Type: application/json"));
  EXPECT_TRUE(has(*r, "Urgency: high"));
  EXPECT_EQ(r->webhook_id, "evt_1");
  const auto ce = nlohmann::json::parse(r->body);
  EXPECT_EQ(ce["specversion"], "1.0");
  EXPECT_EQ(ce["id"], "evt_1");
  EXPECT_EQ(ce["source"], "urn:zest:mx");
  EXPECT_EQ(ce["type"], "vnd.zest.Notify");
  EXPECT_EQ(ce["subject"], "alice");
  EXPECT_EQ(ce["time"], "2026-12-05T06:00:00Z");
  EXPECT_EQ(ce["sequence"], "00000000000000000042");
  EXPECT_EQ(ce["datacontenttype"], "application/json");
  EXPECT_EQ(ce["data"], body);
  // sieve-test has no stream: no sequence.
  auto r3 = format_request(p, nullptr, "", {"cloudevents", "urn:zest:mx", 0});
  EXPECT_FALSE(nlohmann::json::parse(r3->body).contains("sequence"));
}

TEST(NotifyFormats, Checks) {
  EXPECT_EQ(check_target({"https://x/", "ntfy"}), "");
  EXPECT_NE(check_target({"ftp://x/", "ntfy"}), "");
  EXPECT_NE(check_target({"https://x/", "slack"}), "");
  EXPECT_EQ(check_target({"https://x/", "cloudevents"}), "");
  EXPECT_NE(check_target({"https://x/", "gotify"}), "");  // no token
  EXPECT_NE(check_target({"https://x/", "ntfy", "a", "Bearer b"}), "");
  EXPECT_NE(check_target({"https://x/", "ntfy", "a\r\nX: y"}), "");
}

TEST(NotifyFormats, DamagedBodyIsAnError) {
  HttpTarget t{"https://x/", "ntfy"};
  methods::HttpPayload p;
  p.body = "not json";
  EXPECT_FALSE(format_request(p, &t, ""));
}

}  // namespace
}  // namespace zest::transport
