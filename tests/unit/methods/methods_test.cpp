// Unit tests of the pure notification-method logic: URI parsing, the
// mailto message (webhook signing and the SSRF guard: tests/unit/transport).
#include <gtest/gtest.h>

#include "base/percent.hpp"
#include "methods/http.hpp"
#include "methods/mailto.hpp"
#include "methods/method.hpp"
#include "methods/notifier.hpp"
#include "methods/xmpp.hpp"

namespace zest::methods {
namespace {

TEST(EncodeUrl, Rfc5435Vectors) {
  EXPECT_EQ(encode_url("\\frop\\&fruts/^@"), "%5Cfrop%5C%26fruts%2F%5E%40");
  EXPECT_EQ(encode_url("Safe body&evil=evilbody"), "Safe%20body%26evil%3Devilbody");
  EXPECT_EQ(encode_url("~-._AZaz09"), "~-._AZaz09");
  EXPECT_EQ(encode_url("\xC3\xA9"), "%C3%A9");
  // The limit never splits an escape or a character.
  EXPECT_EQ(encode_url("@@", 5), "%40");
  EXPECT_EQ(encode_url("a\xC3\xA9", 6), "a");
}

TEST(PercentDecode, RejectsBadEscapesAndNul) {
  EXPECT_EQ(base::percent_decode("a%2Cb+c"), "a,b+c");
  EXPECT_FALSE(base::percent_decode("a%2"));
  EXPECT_FALSE(base::percent_decode("a%zz"));
  EXPECT_FALSE(base::percent_decode("a%00"));
}

TEST(Mailto, RecipientsAndHeaders) {
  auto u = parse_mailto(
      "mailto:timo@example.com%2cstephan@dovecot.example.net?cc=postmaster@frop.example.org"
      "&subject=Frop%20received&X-Foo=bar&from=evil@x&body=a%0D%0Ab");
  ASSERT_TRUE(u) << u.error();
  ASSERT_EQ(u->recipients.size(), 3u);
  EXPECT_EQ(u->recipients[2].field, "cc");
  EXPECT_EQ(u->subject, "Frop received");
  EXPECT_EQ(u->body, "a\r\nb");
  ASSERT_EQ(u->headers.size(), 1u);  // from= is ignored
  EXPECT_EQ(u->headers[0].name, "X-Foo");
  EXPECT_FALSE(u->warnings.empty());
}

TEST(Mailto, DuplicatesCollapseToOverCc) {
  auto u = parse_mailto("mailto:a@example.org?cc=b@example.org&to=b@EXAMPLE.org&cc=a@example.org");
  ASSERT_TRUE(u);
  ASSERT_EQ(u->recipients.size(), 2u);
  EXPECT_EQ(u->recipients[1].field, "to");
}

TEST(Mailto, Invalid) {
  for (const char* bad :
       {"mailto:stephan@example.org;?header=frop", "mailto:stephan@example.org?header<=frop",
        "mailto:stephan@example.org?header=fr>op", "mailto:stephan@example.org?header:=frop",
        "mailto:stephan%23example.org", "mailto:stephan@example.org?to=nico%23frop.example.org",
        "mailto:a@example.org?subject=x%0D%0ABcc:%20evil@x", "mailto:a b@example.org",
        "mailto:a@example.org#frag"})
    EXPECT_FALSE(parse_mailto(bad)) << bad;
  EXPECT_TRUE(parse_mailto("MAILTO:%22not%40me%22@example.org"));
  EXPECT_TRUE(parse_mailto("mailto:"));  // no recipients: valid, sends nothing
}

Trigger trigger() {
  Trigger t;
  t.envelope_from = "sirius@example.org";
  t.envelope_to = "bertus@frop.example.org";
  t.subject = "Frop!";
  t.from = "stephan@example.org";
  t.now = 1764316800;
  t.nonce = "n1";
  return t;
}

// Issue 15.2: a notify :from with a line break is invalid (the notify
// command turns that into a compile error for a constant and a run-time
// error otherwise); an In-Reply-To copied from a Message-ID with a bare CR
// cannot start a field of its own.
TEST(Mailto, FromWithLineBreaksAndCrInMessageIdCannotInject) {
  EXPECT_FALSE(mailto_from_address("Me\r\nBcc: evil@x.example <nico@frop.example.org>"));
  EXPECT_FALSE(mailto_from_address("nico@frop.example.org\r\n\r\nbody"));
  EXPECT_FALSE(mailto_from_address("nico@frop.example.org\n"));
  EXPECT_TRUE(mailto_from_address("Nico <nico@frop.example.org>"));
  auto u = parse_mailto("mailto:a@example.net");
  ASSERT_TRUE(u);
  NotifyRequest req{"", std::string("Me\r\nBcc: evil@x <nico@frop.example.org>"), 1, {}, {}};
  EXPECT_FALSE(build_mailto(*u, req, trigger(), Policy{}, {}));
  req.from.reset();
  Trigger t = trigger();
  t.message_id = "<id@x>\rBcc: evil@x.example";
  auto p = build_mailto(*u, req, t, Policy{}, {});
  ASSERT_TRUE(p);
  const std::string& m = p->message;
  const std::string head = m.substr(0, m.find("\r\n\r\n") + 2);
  EXPECT_EQ(head.find("\r\nBcc:"), std::string::npos) << head;
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '\r') {
      EXPECT_EQ(head.substr(i, 2), "\r\n") << "bare CR at " << i;
    }
  }
}

TEST(Mailto, MessageAndEnvelope) {
  auto u = parse_mailto("mailto:a@example.net?cc=b@example.net&body=hello");
  ASSERT_TRUE(u);
  NotifyRequest req{"", std::string("nico@frop.example.org"), 1, {}, std::string("Msg")};
  Policy pol;
  auto p = build_mailto(*u, req, trigger(), pol, {});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->envelope_from, "nico@frop.example.org");  // allowed :from (same domain)
  EXPECT_EQ(p->rcpts, (std::vector<std::string>{"a@example.net", "b@example.net"}));
  const std::string& m = p->message;
  EXPECT_TRUE(
      m.starts_with("Auto-Submitted: auto-notified; owner-email=\"bertus@frop.example.org\"\r\n"));
  EXPECT_NE(m.find("\r\nFrom: nico@frop.example.org\r\n"), std::string::npos);
  EXPECT_NE(m.find("\r\nSubject: Msg\r\n"), std::string::npos);
  EXPECT_NE(m.find("\r\nDate: Fri, 28 Nov 2025 08:00:00 +0000\r\n"), std::string::npos);
  EXPECT_TRUE(m.ends_with("\r\n\r\nhello\r\n"));
  // A foreign :from is ignored (policy), the null sender stays null.
  Trigger t = trigger();
  t.envelope_from.clear();
  req.from = "x@elsewhere.example";
  p = build_mailto(*u, req, t, pol, {});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->envelope_from, "");
  EXPECT_NE(p->message.find("\r\nFrom: bertus@frop.example.org\r\n"), std::string::npos);
  // Already notified recipients are left out.
  std::vector<std::string> done{"A@example.net"};
  p = build_mailto(*u, req, trigger(), pol, done);
  EXPECT_EQ(p->rcpts.size(), 2u);  // local parts are case-sensitive
}

TEST(Xmpp, Parse) {
  auto u = parse_xmpp("xmpp:tim@example.com?message;subject=SIEVE;body=You%20got%20mail");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->jid, "tim@example.com");
  EXPECT_EQ(u->subject, "SIEVE");
  EXPECT_EQ(u->body, "You got mail");
  EXPECT_TRUE(parse_xmpp("xmpp:example.com/res#frag"));
  EXPECT_FALSE(parse_xmpp("xmpp://me@example.com/tim@example.com"));
  EXPECT_FALSE(parse_xmpp("xmpp:a%40b@example.com"));
  EXPECT_FALSE(parse_xmpp("xmpp:tim@exa mple.com"));
}

TEST(Http, ParseAndScheme) {
  EXPECT_TRUE(parse_http("https://hooks.example.net/a?b=c", false));
  EXPECT_FALSE(parse_http("http://hooks.example.net/", false));
  EXPECT_TRUE(parse_http("http://127.0.0.1:8080/x", true));
  EXPECT_FALSE(parse_http("https://user@hooks.example.net/", false));
  EXPECT_FALSE(parse_http("https://hooks.example.net/#x", false));
  auto u = parse_http("https://[::1]:8443/p", false);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 8443);
}

TEST(Options, Syntax) {
  EXPECT_TRUE(check_option_syntax("a="));
  EXPECT_TRUE(check_option_syntax("k.v-x_=y"));
  for (const char* bad : {"", "frop", "_frop=", "=frop", "frop=frml\nfrop"})
    EXPECT_FALSE(check_option_syntax(bad)) << bad;
}

class Recording final : public Transport {
 public:
  std::vector<MailPayload> mails;
  Status send_mail(const MailPayload& p) override {
    mails.push_back(p);
    return Status::success();
  }
  Status send_xmpp(const XmppPayload&) override { return Status::failure("no"); }
  Status send_http(const HttpPayload&) override { return Status::failure("no"); }
};

TEST(Notifier, DuplicatesLimitsLoops) {
  const auto reg = standard_methods({});
  Recording t;
  NotifierState st;
  Notifier n(reg, {}, Limits{2, 0}, t, st);
  auto a = n.notify({"mailto:a@example.org,b@example.org", {}, 2, {}, {}}, trigger());
  auto b = n.notify({"mailto:b@example.org,c@example.org", {}, 2, {}, {}}, trigger());
  EXPECT_EQ(a.status, NotifyOutcome::Status::Sent);
  EXPECT_EQ(b.status, NotifyOutcome::Status::Sent);
  ASSERT_EQ(t.mails.size(), 2u);
  EXPECT_EQ(t.mails[1].rcpts, std::vector<std::string>{"c@example.org"});
  auto c = n.notify({"mailto:d@example.org", {}, 2, {}, {}}, trigger());
  EXPECT_EQ(c.status, NotifyOutcome::Status::Skipped);  // max_per_run
  Trigger loop = trigger();
  loop.auto_submitted = true;
  NotifierState st2;
  Notifier n2(reg, {}, {}, t, st2);
  EXPECT_EQ(n2.notify({"mailto:d@example.org", {}, 2, {}, {}}, loop).status,
            NotifyOutcome::Status::Skipped);
}

TEST(RateLimiter, PerUserHour) {
  MemoryRateLimiter r(2);
  EXPECT_TRUE(r.allow("u", 100));
  EXPECT_TRUE(r.allow("u", 200));
  EXPECT_FALSE(r.allow("u", 300));
  EXPECT_TRUE(r.allow("v", 300));
  EXPECT_TRUE(r.allow("u", 3701));
}

TEST(Notifier, RateLimitCountsPerAccountAcrossRuns) {
  const auto reg = standard_methods({});
  Recording t;
  MemoryRateLimiter rate(2);
  Trigger tr = trigger();
  tr.account = "bertus";
  auto run = [&](std::string_view uri, const Trigger& trig) {
    NotifierState st;  // a fresh script run each time
    Notifier n(reg, {}, Limits{10, 2}, t, st, &rate);
    return n.notify({std::string(uri), {}, 2, {}, {}}, trig);
  };
  EXPECT_EQ(run("mailto:a@example.org", tr).status, NotifyOutcome::Status::Sent);
  tr.envelope_to = "bertus+lists@frop.example.org";  // same account, other address
  EXPECT_EQ(run("mailto:b@example.org", tr).status, NotifyOutcome::Status::Sent);
  const auto third = run("mailto:c@example.org", tr);
  EXPECT_EQ(third.status, NotifyOutcome::Status::Skipped);
  EXPECT_NE(third.detail.find("rate limit for bertus"), std::string::npos) << third.detail;
  EXPECT_EQ(t.mails.size(), 2u);  // nothing was sent for the third
  Trigger other = trigger();
  other.account = "sirius";
  EXPECT_EQ(run("mailto:c@example.org", other).status, NotifyOutcome::Status::Sent);
  tr.now += 3600;  // an hour after the first one
  EXPECT_EQ(run("mailto:c@example.org", tr).status, NotifyOutcome::Status::Sent);
}

}  // namespace
}  // namespace zest::methods
