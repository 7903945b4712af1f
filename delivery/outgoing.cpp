#include "delivery/outgoing.hpp"

#include <ctime>
#include <sstream>

#include "base/date.hpp"
#include "base/text.hpp"
#include "base/utf8.hpp"
#include "mail/address.hpp"
#include "mail/header_codec.hpp"
#include "mail/message.hpp"
#include "mail/message_builder.hpp"
#include "mail/rfc2047.hpp"

namespace zest::delivery {
namespace {

using base::to_lower;

std::string trim(std::string_view s) {
  return std::string(base::trim(s, " \t\r\n"));
}

// The addresses of an address-list header value, each with the text it was
// written as ("\"Name\" <a@b>"); entries that are not one address are left out.
std::vector<std::pair<std::string, std::string>> entries(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& entry : mail::split_address_list(value)) {
    const std::string text = trim(entry);
    const auto list = mail::parse_address_list(text);
    if (list.addresses.size() == 1) out.emplace_back(mail::to_string(list.addresses[0]), text);
  }
  return out;
}

bool setting_yes(const DeliveryContext& ctx, std::string_view key) {
  return base::is_yes(ctx.settings.value(key));
}

// The domain of our Message-IDs: the address's, as written.
std::string id_domain(std::string_view addr) {
  const std::string_view domain = mail::domain_of(addr);
  return domain.empty() ? "localhost" : std::string(domain);
}

bool is_system_sender(std::string_view sender) {
  const std::string local = to_lower(sender.substr(0, sender.rfind('@')));
  return local == "mailer-daemon" || local == "listserv" || local == "majordomo" ||
         local.rfind("owner-", 0) == 0 || (local.size() > 8 && local.ends_with("-request"));
}

// RFC 3834 §2 and the usual list/bulk markers: never answer these.
std::optional<std::string> automatic_message(const mail::Message& m) {
  for (auto v : m.header_raw("auto-submitted"))
    if (to_lower(trim(v.substr(0, v.find(';')))) != "no") return "auto-submitted message";
  for (const char* h : {"list-id", "list-owner", "list-subscribe", "list-post", "list-unsubscribe",
                        "list-help", "list-archive"})
    if (m.has_header(h)) return "mailing list message";
  for (auto v : m.header_raw("precedence")) {
    const std::string p = to_lower(trim(v));
    if (p == "bulk" || p == "list" || p == "junk") return "bulk message";
  }
  // Microsoft's X-Auto-Response-Suppress: All or OOF.
  for (auto v : m.header_raw("x-auto-response-suppress")) {
    std::string token;
    std::istringstream in{std::string(v)};
    while (std::getline(in, token, ',')) {
      const std::string t = to_lower(trim(token));
      if (t == "all" || t == "oof") return "auto-response suppressed";
    }
  }
  return std::nullopt;
}

// The default subject: sieve_vacation_default_subject(_template) or
// "Auto: <subject>", cut at sieve_vacation_max_subject_codepoints.
std::string default_subject(const DeliveryContext& ctx) {
  const auto raw = ctx.message.header_raw("subject");
  std::optional<std::string> orig;
  if (!raw.empty()) orig = mail::decode_rfc2047(raw.front());
  std::string subject;
  const std::string tmpl = ctx.settings.value("vacation_default_subject_template");
  if (orig && !tmpl.empty()) {
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
      if (tmpl[i] == '%' && i + 1 < tmpl.size() && tmpl[i + 1] == '$') {
        subject += *orig;
        ++i;
      } else if (tmpl.compare(i, 10, "%{subject}") == 0) {
        subject += *orig;
        i += 9;
      } else if (tmpl[i] == '%' && i + 1 < tmpl.size() && tmpl[i + 1] == '%') {
        subject += '%';
        ++i;
      } else {
        subject += tmpl[i];
      }
    }
  } else if (orig) {
    subject = "Auto: " + *orig;
  } else {
    const std::string configured = ctx.settings.value("vacation_default_subject");
    subject = configured.empty() ? "Automated reply" : configured;
  }
  std::size_t max = 256;
  if (const std::string m = trim(ctx.settings.value("vacation_max_subject_codepoints")); !m.empty())
    max = static_cast<std::size_t>(std::strtoull(m.c_str(), nullptr, 10));
  // Cut at a character boundary and mark the cut with U+2026.
  return max > 0 ? base::truncate_chars(subject, max) : subject;
}

std::string user_email(const DeliveryContext& ctx) {
  return mail::envelope_address(trim(ctx.settings.value("user_email")));
}

}  // namespace

std::optional<VacationReply> vacation_reply(const DeliveryContext& ctx,
                                            const interp::VacationAction& v, std::string& why) {
  const mail::Message& m = ctx.message;
  const std::string sender = mail::envelope_address(ctx.envelope.from);
  if (sender.empty()) return why = "null sender", std::nullopt;

  // The user's addresses: the recipient (or the original one), the
  // configured e-mail address and :addresses.
  const std::string rcpt = mail::envelope_address(ctx.envelope.to);
  const std::string orig = mail::envelope_address(ctx.envelope.orig_to);
  std::vector<std::string> mine;
  const bool use_orig = setting_yes(ctx, "vacation_use_original_recipient");
  if (const std::string u = user_email(ctx); !u.empty()) mine.push_back(u);
  if (!rcpt.empty()) mine.push_back(rcpt);
  if (use_orig && !orig.empty()) mine.push_back(orig);
  for (const auto& a : v.addresses) {
    const auto list = mail::parse_address_list(a);
    if (list.addresses.size() == 1) mine.push_back(mail::to_string(list.addresses[0]));
  }
  for (const auto& a : mine)
    if (to_lower(a) == to_lower(sender))
      return why = "sender is the user's own address", std::nullopt;
  if (is_system_sender(sender)) return why = "sender is a system address", std::nullopt;
  if (auto automatic = automatic_message(m)) return why = *automatic, std::nullopt;

  // RFC 5230 §4.5: only mail explicitly addressed to the user is answered.
  std::string found;
  for (const char* h : {"to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc"}) {
    for (auto value : m.header_raw(h)) {
      for (const auto& [addr, text] : entries(value)) {
        for (const auto& a : mine)
          if (to_lower(a) == to_lower(addr)) {
            found = addr;
            break;
          }
        if (!found.empty()) break;
      }
      if (!found.empty()) break;
    }
    if (!found.empty()) break;
  }
  if (found.empty() && !setting_yes(ctx, "vacation_dont_check_recipient"))
    return why = "the user is not among the message's recipients", std::nullopt;

  // The To field: the sender as the message names it, with its display name.
  std::string to = "<" + sender + ">";
  const bool ignore_envelope = setting_yes(ctx, "vacation_to_header_ignore_envelope");
  for (const char* h : {"sender", "resent-from", "from"}) {
    bool done = false;
    for (auto value : m.header_raw(h))
      for (const auto& [addr, text] : entries(value))
        if (!done && (ignore_envelope || to_lower(addr) == to_lower(sender))) {
          to = text;
          done = true;
        }
    if (done) break;
  }

  std::string from;
  if (v.from)
    from = *v.from;
  else if (!found.empty())
    from = "<" + found + ">";
  else if (const std::string u = user_email(ctx); !u.empty())
    from = "<" + u + ">";
  else
    from = "<" + rcpt + ">";

  mail::MessageBuilder out;
  out.text("X-Sieve", "zest");
  out.message_id(id_domain(found.empty() ? rcpt : found));
  out.date(std::time(nullptr));
  out.mailbox("From", from);
  out.field("To", to);
  out.text("Subject", v.subject ? *v.subject : default_subject(ctx));
  const std::string id = trim(m.first_header_raw("message-id"));
  if (!id.empty()) {
    out.field("In-Reply-To", id);
    // References: the original's, then its Message-ID, one per line.
    std::string refs;
    std::istringstream in(m.first_header_raw("references") + " " + id);
    for (std::string word; in >> word;) refs += (refs.empty() ? "" : "\r\n ") + word;
    out.field("References", refs);
  }
  out.field("Auto-Submitted", "auto-replied (vacation)");
  out.field("Precedence", "bulk");
  out.mime_version();

  VacationReply reply;
  reply.mail.envelope_from = setting_yes(ctx, "vacation_send_from_recipient") ? rcpt : "";
  reply.mail.rcpt = sender;
  // With :mime the reason is a MIME entity with its own header fields.
  reply.mail.message =
      v.mime ? out.with_entity(v.reason) : out.utf8_text_content().with_text(v.reason) + "\r\n";
  // RFC 5230 §4.2: without :handle the reply's content identifies it.
  const std::string handle = v.handle ? "h:" + *v.handle
                                      : "c:" + v.reason + "\x1f" + v.subject.value_or("") + "\x1f" +
                                            v.from.value_or("") + "\x1f" + (v.mime ? "1" : "0");
  reply.tracking_id = "vacation\x1f" + handle + "\x1f" + to_lower(sender);
  return reply;
}

OutgoingMail report_message(const DeliveryContext& ctx, const interp::ReportAction& r) {
  const std::string sender = mail::envelope_address(ctx.envelope.from);
  const std::string rcpt = mail::envelope_address(ctx.envelope.to);
  const std::string orig = mail::envelope_address(ctx.envelope.orig_to);
  const std::string user = user_email(ctx);

  // sieve_report_from: postmaster (default), sender, recipient,
  // orig_recipient, user_email or an explicit "<address>".
  const std::string policy = to_lower(trim(ctx.settings.value("report_from", "postmaster")));
  std::string from = ctx.postmaster;
  if (policy == "sender" && !sender.empty())
    from = sender;
  else if (policy == "recipient" && !rcpt.empty())
    from = rcpt;
  else if (policy == "orig_recipient" && !(orig.empty() && rcpt.empty()))
    from = orig.empty() ? rcpt : orig;
  else if (policy == "user_email" && !(user.empty() && rcpt.empty()))
    from = user.empty() ? rcpt : user;
  else if (policy.size() > 2 && policy.front() == '<' && policy.back() == '>')
    if (const std::string a = mail::envelope_address(trim(ctx.settings.value("report_from")));
        !a.empty())
      from = a;

  const std::string boundary = mail::random_boundary("zest-report-");
  const std::string subject = mail::decode_rfc2047(ctx.message.first_header_raw("subject"));
  mail::MessageBuilder out;
  out.text("X-Sieve", "zest");
  out.message_id(id_domain(from));
  out.date(std::time(nullptr));
  out.field("From", "<" + from + ">");
  out.field("To", "<" + r.address + ">");
  out.text("Subject", "Report: " + subject);
  out.field("Auto-Submitted", "auto-generated (report)");
  out.mime_version();
  out.field("Content-Type",
            mail::multipart_type("multipart/report; report-type=feedback-report", boundary));

  mail::MessageBuilder text;
  text.utf8_text_content();
  // The RFC 5965 §3.1 fields.
  mail::MessageBuilder report;
  report.field("Version", "1");
  report.field("Feedback-Type", r.feedback_type);
  report.field("User-Agent", "zest");
  const std::string reporting_user = user.empty() ? rcpt : user;
  if (!reporting_user.empty()) report.field("Dovecot-Reporting-User", "<" + reporting_user + ">");
  report.field("Original-Mail-From", "<" + sender + ">");
  if (!(orig.empty() && rcpt.empty()))
    report.field("Original-Rcpt-To", "<" + (orig.empty() ? rcpt : orig) + ">");
  report.field("Arrival-Date", base::rfc5322_date_now());
  const std::string id = trim(ctx.message.first_header_raw("message-id"));
  if (!id.empty()) report.field("Original-Message-ID", id);
  mail::MessageBuilder report_part;
  report_part.field("Content-Type", "message/feedback-report");
  mail::MessageBuilder original;
  std::string raw = mail::to_crlf(ctx.message.raw());
  if (r.headers_only) {
    original.field("Content-Type", "text/rfc822-headers");
    if (const auto end = raw.find("\r\n\r\n"); end != std::string::npos) raw.resize(end + 2);
  } else {
    original.field("Content-Type", "message/rfc822");
  }
  const std::vector<std::string> parts = {text.with_text(r.message) + "\r\n",
                                          report_part.with_content(report.header()),
                                          original.with_content(raw)};
  return {"", r.address, out.with_content(mail::multipart_body(boundary, parts))};
}

std::string notification_copy(const methods::Payload& sent, const interp::NotifyAction& n,
                              std::string_view user, std::time_t now) {
  if (const auto* mail = std::get_if<methods::MailPayload>(&sent)) return mail->message;
  std::string subject = "Notification";
  std::string body;
  if (const auto* x = std::get_if<methods::XmppPayload>(&sent)) {
    if (x->subject) subject = *x->subject;
    body = x->body;
  } else if (const auto* h = std::get_if<methods::HttpPayload>(&sent)) {
    if (n.message) subject = *n.message;
    body = h->body;
  }
  // One line of subject; the body ends with a line break.
  for (char& c : subject)
    if (c == '\r' || c == '\n') c = ' ';
  if (body.empty() || (body.back() != '\n' && body.back() != '\r')) body += '\n';
  mail::MessageBuilder out;
  out.mailbox("From", n.from.value_or(std::string(user)));
  out.text("To", n.uri);
  out.text("Subject", subject);
  out.date(now);
  out.message_id(id_domain(user));
  out.field("Auto-Submitted", "auto-notified");
  out.mime_version().utf8_text_content();
  return out.with_text(body);
}

}  // namespace zest::delivery
