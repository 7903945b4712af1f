// The messages the executor sends for vacation (RFC 5230 §5, RFC 3834) and
// vnd.dovecot.report (RFC 5965).
#include "delivery/outgoing.hpp"

#include "delivery/executor.hpp"

#include <gtest/gtest.h>

#include "mail/header_codec.hpp"
#include "mail/message.hpp"
#include "methods/mailto.hpp"

namespace zest::delivery {
namespace {

using interp::EngineSettings;
using interp::Envelope;
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

// Issue 15.2: the rejection message copied the original Subject and
// Message-ID as they were, so a bare CR in them (from the LDA) became a
// header break once line ends were converted for sending.
TEST(Rejection, ValuesCopiedFromTheMessageCannotInjectFields) {
  ReplyFixture f;
  f.raw = "Subject: hi\rBcc: evil@x.example\nMessage-ID: <1@x>\rX-Evil: 1\n\nbody\n";
  f.env.from = "s@example.org";
  f.env.to = "u@example.net";
  const mail::Message m{f.raw};
  DeliveryContext ctx{m, f.env, f.settings};
  const std::string out = mail::to_crlf(rejection_message(ctx, "no"));
  const std::string head = out.substr(0, out.find("\r\n\r\n") + 2);
  EXPECT_EQ(head.find("\r\nBcc:"), std::string::npos) << head;
  EXPECT_NE(head.find("Subject: Rejected: hi"), std::string::npos) << head;
  // Only the attached original (as it came) has the line; the report does not.
  std::size_t n = 0;
  for (auto at = out.find("\r\nX-Evil:"); at != std::string::npos;
       at = out.find("\r\nX-Evil:", at + 1))
    ++n;
  EXPECT_EQ(n, 1u) << out;
}

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
  for (const char* robot :
       {"", "MAILER-DAEMON@example.org", "owner-list@example.org", "list-request@example.org"}) {
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

// The Subject field as written (with its folding) in a raw message.
std::string subject_field(std::string_view raw) {
  mail::HeaderBlock block(raw);
  for (const auto& f : block.fields())
    if (f.name == "Subject") return f.text;
  return {};
}

TEST(ExtVacation, SubjectEncodedAsANotificationSubjectIs) {
  // Invalid UTF-8 (a Latin-1 byte, a cut 4-byte sequence) among valid
  // characters, long enough for two encoded-words.
  const std::string text =
      "Caf\xE9 cr\xC3\xA8me br\xC3\xBBl\xC3\xA9"
      "e, th\xC3\xA9 et g\xC3\xA2teaux \xF0\x9F";
  ReplyFixture f;
  f.raw = "From: a@example.org\r\nTo: me@example.net\r\n\r\nx\r\n";
  f.env.from = "a@example.org";
  f.env.to = f.env.orig_to = "me@example.net";
  VacationAction v;
  v.reason = "away";
  v.subject = text;
  std::string why;
  const auto reply = f.reply(v, why);
  ASSERT_TRUE(reply) << why;

  auto uri = methods::parse_mailto("mailto:b@example.org");
  ASSERT_TRUE(uri);
  methods::NotifyRequest req{"mailto:b@example.org", {}, 2, {}, text};
  methods::Trigger trigger;
  trigger.envelope_from = "a@example.org";
  trigger.envelope_to = "me@example.net";
  const auto note = methods::build_mailto(*uri, req, trigger, methods::Policy{}, {});
  ASSERT_TRUE(note);

  const std::string vacation = subject_field(reply->mail.message);
  EXPECT_EQ(vacation, subject_field(note->message));
  EXPECT_TRUE(vacation.starts_with("Subject: =?utf-8?B?")) << vacation;
  EXPECT_NE(vacation.find("\r\n =?utf-8?B?"), std::string::npos) << vacation;
  // Both read back with U+FFFD where the text was not UTF-8.
  const mail::Message m{reply->mail.message};
  EXPECT_EQ(m.header_decoded("subject").at(0),
            "Caf\xEF\xBF\xBD cr\xC3\xA8me br\xC3\xBBl\xC3\xA9"
            "e, th\xC3\xA9 et g\xC3\xA2teaux "
            "\xEF\xBF\xBD\xEF\xBF\xBD");
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
