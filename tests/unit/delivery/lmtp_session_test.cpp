// The LMTP state machine over lines, with a scripted backend.
#include <gtest/gtest.h>

#include <map>

#include "delivery/lmtp_session.hpp"

namespace zest::delivery {
namespace {

class FakeBackend : public LmtpBackend {
 public:
  std::map<std::string, LmtpReply> replies;  // per recipient after DATA
  std::vector<std::string> delivered_data;
  std::vector<std::string> orig_rcpts;  // per delivery, as the transaction gave it
  std::vector<std::size_t> capacities;  // of the DATA buffer, per delivery
  LmtpReply check_recipient(std::string_view rcpt) override {
    if (rcpt.starts_with("nobody")) return {550, "5.1.1", "User unknown"};
    return {250, "2.1.5", ""};
  }
  LmtpReply deliver(LmtpTransaction& tx, std::size_t i) override {
    delivered_data.push_back(tx.data);
    capacities.push_back(tx.data.capacity());
    orig_rcpts.push_back(i < tx.orig_rcpts.size() ? tx.orig_rcpts[i] : "<missing>");
    auto it = replies.find(tx.rcpts[i]);
    return it != replies.end() ? it->second
                               : LmtpReply{250, "2.0.0", "<" + tx.rcpts[i] + "> Saved"};
  }
};

struct Harness {
  FakeBackend backend;
  LmtpSession session{backend, LmtpOptions{"mx", 100000, 100, 2048, false, false}, "peer", "s1"};
  std::string send(std::string_view line) {
    auto o = session.on_line(line, true);
    std::string out = o.bytes;
    while (o.work) {
      o = session.deliver_next();
      out += o.bytes;
    }
    return out;
  }
  void lhlo() {
    session.greeting();
    send("LHLO client");
  }
};

TEST(LmtpSession, GreetingAndLhloAdvertiseExtensions) {
  Harness h;
  EXPECT_EQ(h.session.greeting().bytes, "220 mx zest LMTP ready\r\n");
  const std::string r = h.send("LHLO client.example");
  EXPECT_NE(r.find("250-PIPELINING\r\n"), std::string::npos);
  EXPECT_NE(r.find("250-ENHANCEDSTATUSCODES\r\n"), std::string::npos);
  EXPECT_NE(r.find("250-8BITMIME\r\n"), std::string::npos);
  EXPECT_NE(r.find("250-DSN\r\n"), std::string::npos);
  EXPECT_NE(r.find("250 SIZE 100000\r\n"), std::string::npos);
  EXPECT_EQ(r.find("STARTTLS"), std::string::npos);
}

// MAIL FROM SIZE= reserves the DATA buffer up front (no copy while it grows).
TEST(LmtpSession, DeclaredSizeReservesTheDataBuffer) {
  Harness h;
  h.lhlo();
  EXPECT_EQ(h.send("MAIL FROM:<s@example.org> SIZE=50000").substr(0, 3), "250");
  EXPECT_EQ(h.send("RCPT TO:<a@example.com>").substr(0, 3), "250");
  h.send("DATA");
  h.send("Subject: x");
  h.send("");
  h.send("body");
  EXPECT_EQ(h.send("."), "250 2.0.0 <a@example.com> Saved\r\n");
  ASSERT_EQ(h.backend.capacities.size(), 1u);
  EXPECT_GE(h.backend.capacities[0], 50000u);
  EXPECT_EQ(h.backend.delivered_data[0], "Subject: x\n\nbody\n");
  // Over the limit is refused at MAIL, before anything is reserved.
  EXPECT_EQ(h.send("MAIL FROM:<s@example.org> SIZE=100001").substr(0, 3), "552");
}

// Issue 20.4: RCPT ORCPT=rfc822;xtext names the original recipient of each
// recipient; the other DSN parameters are checked and accepted.
TEST(LmtpSession, OrcptGivesTheOriginalRecipient) {
  Harness h;
  h.lhlo();
  EXPECT_EQ(h.send("MAIL FROM:<s@example.org> RET=HDRS ENVID=q+2B1").substr(0, 3), "250");
  EXPECT_EQ(
      h.send("RCPT TO:<a@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;list+2Bx@example.com")
          .substr(0, 3),
      "250");
  EXPECT_EQ(h.send("RCPT TO:<b@example.com>").substr(0, 3), "250");
  EXPECT_EQ(h.send("RCPT TO:<c@example.com> ORCPT=x-unknown;whatever").substr(0, 3), "250");
  EXPECT_EQ(h.send("RCPT TO:<d@example.com> ORCPT=rfc822;bad+zz"),
            "501 5.5.4 Bad ORCPT parameter\r\n");
  EXPECT_EQ(h.send("RCPT TO:<d@example.com> NOTIFY=NEVER,DELAY"),
            "501 5.5.4 Bad NOTIFY parameter\r\n");
  EXPECT_EQ(h.send("RCPT TO:<d@example.com> ORCPT=rfc822;a@b ORCPT=rfc822;c@d"),
            "501 5.5.4 Duplicate ORCPT parameter\r\n");
  EXPECT_EQ(h.send("RCPT TO:<d@example.com> FOO=1"), "555 5.5.4 Unsupported parameter FOO\r\n");
  h.send("DATA");
  h.send("x");
  h.send(".");
  EXPECT_EQ(h.backend.orig_rcpts, (std::vector<std::string>{"list+x@example.com", "", ""}));
  EXPECT_EQ(h.send("MAIL FROM:<s@example.org> RET=ALL"), "501 5.5.4 Bad RET parameter\r\n");
}

TEST(LmtpSession, HeloEhloRefused) {
  Harness h;
  h.session.greeting();
  EXPECT_EQ(h.send("HELO x"), "500 5.5.1 This is an LMTP server: use LHLO\r\n");
  EXPECT_EQ(h.send("EHLO x").substr(0, 9), "500 5.5.1");
}

TEST(LmtpSession, OneReplyPerAcceptedRecipientInOrder) {
  Harness h;
  h.lhlo();
  h.backend.replies["b@x"] = {452, "4.3.1", "<b@x> Mail system full"};
  EXPECT_EQ(h.send("MAIL FROM:<s@x> BODY=8BITMIME SIZE=10"), "250 2.1.0 Sender <s@x> OK\r\n");
  EXPECT_EQ(h.send("RCPT TO:<a@x>").substr(0, 9), "250 2.1.5");
  EXPECT_EQ(h.send("RCPT TO:<nobody@x>").substr(0, 9), "550 5.1.1");
  EXPECT_EQ(h.send("RCPT TO:<b@x>").substr(0, 9), "250 2.1.5");
  EXPECT_EQ(h.send("RCPT TO:<a@x>").substr(0, 9), "250 2.1.5");  // duplicates get their own reply
  EXPECT_EQ(h.send("DATA").substr(0, 4), "354 ");
  h.send("Subject: t");
  h.send("");
  h.send("..hidden");
  const std::string r = h.send(".");
  EXPECT_EQ(
      r, "250 2.0.0 <a@x> Saved\r\n452 4.3.1 <b@x> Mail system full\r\n250 2.0.0 <a@x> Saved\r\n");
  ASSERT_EQ(h.backend.delivered_data.size(), 3u);
  EXPECT_EQ(h.backend.delivered_data[0], "Subject: t\n\n.hidden\n");
  // The transaction is over: a new MAIL is accepted.
  EXPECT_EQ(h.send("MAIL FROM:<>").substr(0, 3), "250");
}

TEST(LmtpSession, DataWithoutRecipientsIs503) {
  Harness h;
  h.lhlo();
  EXPECT_EQ(h.send("DATA").substr(0, 9), "503 5.5.1");
  h.send("MAIL FROM:<s@x>");
  h.send("RCPT TO:<nobody@x>");
  EXPECT_EQ(h.send("DATA").substr(0, 9), "503 5.5.1");
}

TEST(LmtpSession, SequenceErrors) {
  Harness h;
  h.session.greeting();
  EXPECT_EQ(h.send("MAIL FROM:<s@x>").substr(0, 9), "503 5.5.1");
  h.send("LHLO c");
  EXPECT_EQ(h.send("RCPT TO:<a@x>").substr(0, 9), "503 5.5.1");
  h.send("MAIL FROM:<s@x>");
  EXPECT_EQ(h.send("MAIL FROM:<s@x>").substr(0, 9), "503 5.5.1");
  EXPECT_EQ(h.send("RSET"), "250 2.0.0 OK\r\n");
  EXPECT_EQ(h.send("RCPT TO:<a@x>").substr(0, 9), "503 5.5.1");
}

TEST(LmtpSession, MiscCommands) {
  Harness h;
  h.lhlo();
  EXPECT_EQ(h.send("NOOP"), "250 2.0.0 OK\r\n");
  EXPECT_EQ(h.send("VRFY alice").substr(0, 9), "252 2.5.0");
  EXPECT_EQ(h.send("FOO"), "500 5.5.2 Unrecognized command\r\n");
  EXPECT_EQ(h.send("STARTTLS").substr(0, 9), "502 5.5.1");
  EXPECT_EQ(h.send("MAIL FROM:bad").substr(0, 9), "501 5.5.4");
  EXPECT_EQ(h.send("MAIL FROM:<a@x> FOO=1").substr(0, 9), "555 5.5.4");
  EXPECT_EQ(h.send(std::string(3000, 'N')).substr(0, 9), "500 5.5.2");
  auto q = h.session.on_line("QUIT", true);
  EXPECT_TRUE(q.close);
  EXPECT_EQ(q.bytes.substr(0, 9), "221 2.0.0");
}

TEST(LmtpSession, SizeLimits) {
  Harness h;
  h.lhlo();
  EXPECT_EQ(h.send("MAIL FROM:<s@x> SIZE=100001").substr(0, 9), "552 5.3.4");
  h.send("MAIL FROM:<s@x>");
  h.send("RCPT TO:<a@x>");
  h.send("RCPT TO:<b@x>");
  h.send("DATA");
  for (int i = 0; i < 200; ++i) h.send(std::string(998, 'x'));
  EXPECT_EQ(h.send("."),
            "552 5.3.4 Message size exceeds fixed maximum\r\n"
            "552 5.3.4 Message size exceeds fixed maximum\r\n");
  EXPECT_TRUE(h.backend.delivered_data.empty());
}

TEST(LmtpSession, BareLfInDataRefused) {
  Harness h;
  h.lhlo();
  h.send("MAIL FROM:<s@x>");
  h.send("RCPT TO:<a@x>");
  h.send("DATA");
  h.session.on_line("hello", false);
  h.session.on_line(".", false);  // LF.LF must not end the data
  EXPECT_EQ(h.session.state(), LmtpSession::State::Data);
  EXPECT_EQ(h.send(".").substr(0, 9), "554 5.6.0");
  EXPECT_TRUE(h.backend.delivered_data.empty());
}

TEST(LmtpSession, TooManyRecipients) {
  FakeBackend b;
  LmtpOptions o;
  o.max_recipients = 2;
  LmtpSession s(b, o, "peer", "s");
  s.greeting();
  s.on_line("LHLO c", true);
  s.on_line("MAIL FROM:<s@x>", true);
  s.on_line("RCPT TO:<a@x>", true);
  s.on_line("RCPT TO:<b@x>", true);
  EXPECT_EQ(s.on_line("RCPT TO:<c@x>", true).bytes.substr(0, 9), "452 4.5.3");
}

TEST(LmtpSession, StartTlsResetsState) {
  FakeBackend b;
  LmtpOptions o;
  o.tls_available = true;
  LmtpSession s(b, o, "peer", "s");
  s.greeting();
  EXPECT_NE(s.on_line("LHLO c", true).bytes.find("STARTTLS"), std::string::npos);
  EXPECT_EQ(s.on_line("STARTTLS x", true).bytes.substr(0, 9), "501 5.5.4");
  auto r = s.on_line("STARTTLS", true);
  EXPECT_TRUE(r.start_tls);
  s.tls_started();
  EXPECT_EQ(s.on_line("MAIL FROM:<a@x>", true).bytes.substr(0, 9), "503 5.5.1");
  EXPECT_EQ(s.on_line("LHLO c", true).bytes.find("STARTTLS"), std::string::npos);
}

TEST(LmtpSession, MultiLineReplyRepeatsEnhancedCode) {
  EXPECT_EQ(format_reply({550, "5.7.1", "line one\nline two"}),
            "550-5.7.1 line one\r\n550 5.7.1 line two\r\n");
}

TEST(LmtpSession, TimeoutAndOverlong) {
  Harness h;
  h.lhlo();
  EXPECT_EQ(h.session.on_overlong_line().bytes.substr(0, 9), "500 5.5.2");
  auto t = h.session.on_timeout();
  EXPECT_TRUE(t.close);
  EXPECT_EQ(t.bytes.substr(0, 9), "421 4.4.2");
}

// Issue 15.6: NUL octets in DATA refuse the message (554), like bare CR/LF.
TEST(LmtpSession, NulInDataRefused) {
  Harness h;
  h.lhlo();
  h.send("MAIL FROM:<s@x>");
  h.send("RCPT TO:<a@x>");
  h.send("DATA");
  h.send(std::string_view("Subject: a\0b", 12));
  h.send("");
  const std::string r = h.send(".");
  EXPECT_EQ(r.substr(0, 9), "554 5.6.0") << r;
  EXPECT_NE(r.find("NUL"), std::string::npos) << r;
  EXPECT_TRUE(h.backend.delivered_data.empty());
}

// Issue 15.6: only RFC 5321 paths (a local part alone names a local user).
TEST(PathArg, InvalidRfc5321PathsAreRefused) {
  PathArg p;
  for (const char* bad :
       {"TO:<a@b@c>", "TO:<a b@c>", "TO:<a..b@c>", "TO:<.a@c>", "TO:<a.@c>", "TO:<a@>", "TO:<@c>",
        "TO:<a@c..d>", "TO:<a@-c>", "TO:<a@c->", "TO:<a@c_d>", "TO:<a@[1.2.3.4>",
        "TO:<\"a\x01\"@c>", "TO:<a(b)@c>", "TO:<a,b@c>"})
    EXPECT_FALSE(parse_path_arg(bad, "TO", p)) << bad;
  for (const char* good : {"TO:<a@b>", "TO:<a.b+c@d.example>", "TO:<\"a b\"@d>",
                           "TO:<a@[127.0.0.1]>", "TO:<carol>", "TO:<Postmaster>",
                           "TO:<j\xc3\xb6rg@b\xc3\xbc"
                           "cher.example>",
                           "FROM:<>"})
    EXPECT_TRUE(parse_path_arg(good, good[0] == 'F' ? "FROM" : "TO", p)) << good;
}

TEST(PathArg, Parses) {
  PathArg p;
  ASSERT_TRUE(parse_path_arg("FROM:<a@b> SIZE=12 BODY=8BITMIME", "FROM", p));
  EXPECT_EQ(p.address, "a@b");
  ASSERT_EQ(p.params.size(), 2u);
  EXPECT_EQ(p.params[0].first, "SIZE");
  ASSERT_TRUE(parse_path_arg("to: <@r1,@r2:u@d>", "TO", p));
  EXPECT_EQ(p.address, "u@d");
  ASSERT_TRUE(parse_path_arg("TO:<\"a>b\"@d>", "TO", p));
  EXPECT_EQ(p.address, "\"a>b\"@d");
  EXPECT_FALSE(parse_path_arg("TO:a@b", "TO", p));
  EXPECT_FALSE(parse_path_arg("TO:<a@b", "TO", p));
  EXPECT_FALSE(parse_path_arg("FROM:<a@b>", "TO", p));
}

}  // namespace
}  // namespace zest::delivery
