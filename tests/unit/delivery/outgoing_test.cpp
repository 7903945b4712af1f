// The messages the executor sends for vacation (RFC 5230 §5, RFC 3834) and
// vnd.dovecot.report (RFC 5965).
#include "delivery/outgoing.hpp"

#include <gtest/gtest.h>

#include "mail/message.hpp"

namespace zest::delivery {
namespace {

using interp::Envelope;
using interp::EngineSettings;
using interp::VacationAction;

struct ReplyFixture {
  std::string raw;
  Envelope env;
  EngineSettings settings;
  std::optional<VacationReply> reply(const VacationAction& v, std::string& why) {
    const mail::Message m{raw};
    DeliveryContext ctx{m, env, settings};
    return vacation_reply(ctx, v, why);
  }
};

TEST(ExtVacation, ReplyMessage) {
  ReplyFixture f;
  f.raw =
      "From: \"Stephan\" <stephan@example.org>\r\nTo: nico@example.net\r\n"
      "Subject: Frop\r\nMessage-ID: <1@example.org>\r\nReferences: <0@example.org>\r\n\r\nx\r\n";
  f.env.from = "stephan@example.org";
  f.env.to = f.env.orig_to = "nico@example.net";
  VacationAction v;
  v.reason = "I am away";
  std::string why;
  auto r = f.reply(v, why);
  ASSERT_TRUE(r) << why;
  EXPECT_EQ(r->mail.envelope_from, "");  // RFC 5230 §5.1: null return path
  EXPECT_EQ(r->mail.rcpt, "stephan@example.org");
  const mail::Message m{r->mail.message};
  EXPECT_EQ(m.header_raw("subject").at(0), "Auto: Frop");
  EXPECT_EQ(m.header_raw("to").at(0), "\"Stephan\" <stephan@example.org>");
  EXPECT_EQ(m.header_raw("in-reply-to").at(0), "<1@example.org>");
  EXPECT_EQ(m.header_raw("references").at(0), "<0@example.org> <1@example.org>");
  EXPECT_EQ(m.header_raw("auto-submitted").at(0), "auto-replied (vacation)");
  EXPECT_EQ(m.header_raw("from").at(0), "<nico@example.net>");
}

TEST(ExtVacation, NoReplyToAutomaticMail) {
  VacationAction v;
  v.reason = "away";
  const char* base = "From: a@example.org\r\nTo: me@example.net\r\n";
  for (const char* extra : {"Auto-Submitted: auto-generated\r\n", "Precedence: bulk\r\n",
                            "List-Id: <l.example.org>\r\n", "X-Auto-Response-Suppress: OOF\r\n"}) {
    ReplyFixture f;
    f.raw = std::string(base) + extra + "\r\nbody\r\n";
    f.env.from = "a@example.org";
    f.env.to = f.env.orig_to = "me@example.net";
    std::string why;
    EXPECT_FALSE(f.reply(v, why)) << extra;
  }
  ReplyFixture f;
  f.raw = std::string(base) + "\r\nbody\r\n";
  f.env.to = f.env.orig_to = "me@example.net";
  std::string why;
  for (const char* robot : {"", "MAILER-DAEMON@example.org", "owner-list@example.org",
                            "list-request@example.org"}) {
    f.env.from = robot;
    EXPECT_FALSE(f.reply(v, why)) << robot;
  }
  // RFC 5230 §4.5: the user must be among the recipients.
  f.env.from = "a@example.org";
  f.env.to = "other@example.net";
  EXPECT_FALSE(f.reply(v, why));
  v.addresses = {"Me@Example.net"};
  EXPECT_TRUE(f.reply(v, why));
}

TEST(Report, FeedbackReport) {
  const mail::Message m{std::string(
      "From: spammer@example.org\r\nTo: me@example.net\r\nSubject: Buy\r\n\r\nKlutsefluts\r\n")};
  Envelope env;
  env.from = "spammer@example.org";
  env.to = env.orig_to = "me@example.net";
  EngineSettings settings;
  DeliveryContext ctx{m, env, settings};
  interp::ReportAction r{"abuse", "This is spam", "abuse@example.net", false};
  const OutgoingMail mail = report_message(ctx, r);
  EXPECT_EQ(mail.rcpt, "abuse@example.net");
  const mail::Message out{mail.message};
  EXPECT_NE(out.header_raw("content-type").at(0).find("report-type=feedback-report"),
            std::string::npos);
  EXPECT_NE(mail.message.find("Feedback-Type: abuse"), std::string::npos);
  EXPECT_NE(mail.message.find("Klutsefluts"), std::string::npos);
  EXPECT_EQ(out.header_raw("from").at(0), "<postmaster@example.com>");
  r.headers_only = true;
  EXPECT_EQ(report_message(ctx, r).message.find("Klutsefluts"), std::string::npos);
  settings.values["report_from"] = "sender";
  EXPECT_NE(report_message(ctx, r).message.find("From: <spammer@example.org>"), std::string::npos);
}

}  // namespace
}  // namespace zest::delivery
