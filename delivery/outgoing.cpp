#include "delivery/outgoing.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>
#include <sstream>

#include "mail/header_codec.hpp"
#include "mail/address.hpp"
#include "mail/message.hpp"
#include "mail/rfc2047.hpp"
#include "base/utf8.hpp"

namespace zest::delivery {
namespace {

using mail::header_field;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  return std::string(s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
}

std::string bare(std::string_view path) {
  if (auto p = mail::parse_envelope_path(path); p && !p->null_path)
    return mail::to_string(p->address);
  return {};
}

// The addresses of an address-list header value, each with the text it was
// written as ("\"Name\" <a@b>"), split at top-level commas.
std::vector<std::pair<std::string, std::string>> entries(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  bool quoted = false;
  int angle = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    const char c = i < value.size() ? value[i] : ',';
    if (c == '"' && (i == 0 || value[i - 1] != '\\')) quoted = !quoted;
    if (!quoted && c == '<') ++angle;
    if (!quoted && c == '>' && angle > 0) --angle;
    if (c == ',' && !quoted && angle == 0) {
      const std::string text = trim(value.substr(start, i - start));
      const auto list = mail::parse_address_list(text);
      if (list.addresses.size() == 1) out.emplace_back(mail::to_string(list.addresses[0]), text);
      start = i + 1;
    }
  }
  return out;
}

bool setting_yes(const DeliveryContext& ctx, std::string_view key) {
  const std::string v = lower(trim(ctx.settings.value(key)));
  return v == "yes" || v == "true" || v == "1";
}

std::string first_header(const mail::Message& m, std::string_view name) {
  const auto v = m.header_raw(name);
  return v.empty() ? std::string() : std::string(v.front());
}

std::string rfc5322_date(std::time_t now = std::time(nullptr)) {
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

std::string domain_of(std::string_view addr) {
  const auto at = addr.rfind('@');
  return at == std::string_view::npos ? std::string("localhost") : std::string(addr.substr(at + 1));
}

std::string new_message_id(std::string_view domain) {
  std::random_device rd;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%08x%08x.%lld", rd(), rd(),
                static_cast<long long>(std::time(nullptr)));
  return "<zest." + std::string(buf) + "@" + std::string(domain) + ">";
}

// A :from / address argument with a non-ASCII display name gets that name
// RFC 2047-encoded; the address stays as it is.
std::string encode_address_phrase(std::string_view s) {
  const auto lt = s.rfind('<');
  if (lt == std::string_view::npos) return std::string(s);
  std::string phrase = trim(s.substr(0, lt));
  bool ascii = true;
  for (unsigned char c : phrase) ascii = ascii && c < 0x80;
  if (ascii) return std::string(s);
  if (phrase.size() >= 2 && phrase.front() == '"' && phrase.back() == '"')
    phrase = phrase.substr(1, phrase.size() - 2);
  return mail::encode_words(phrase) + " " + std::string(s.substr(lt));
}

bool is_system_sender(std::string_view sender) {
  const std::string local = lower(sender.substr(0, sender.rfind('@')));
  return local == "mailer-daemon" || local == "listserv" || local == "majordomo" ||
         local.rfind("owner-", 0) == 0 || (local.size() > 8 && local.ends_with("-request"));
}

// RFC 3834 §2 and the usual list/bulk markers: never answer these.
std::optional<std::string> automatic_message(const mail::Message& m) {
  for (auto v : m.header_raw("auto-submitted"))
    if (lower(trim(v.substr(0, v.find(';')))) != "no") return "auto-submitted message";
  for (const char* h : {"list-id", "list-owner", "list-subscribe", "list-post", "list-unsubscribe",
                        "list-help", "list-archive"})
    if (m.has_header(h)) return "mailing list message";
  for (auto v : m.header_raw("precedence")) {
    const std::string p = lower(trim(v));
    if (p == "bulk" || p == "list" || p == "junk") return "bulk message";
  }
  // Microsoft's X-Auto-Response-Suppress: All or OOF.
  for (auto v : m.header_raw("x-auto-response-suppress")) {
    std::string token;
    std::istringstream in{std::string(v)};
    while (std::getline(in, token, ',')) {
      const std::string t = lower(trim(token));
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
  if (max > 0 && base::utf8_length(subject) > max) {
    // Cut at a character boundary and mark the cut.
    std::size_t bytes = 0;
    for (std::size_t n = 0; n < max && bytes < subject.size(); ++n) {
      ++bytes;
      while (bytes < subject.size() && (static_cast<unsigned char>(subject[bytes]) & 0xC0) == 0x80)
        ++bytes;
    }
    subject = subject.substr(0, bytes) + "\xE2\x80\xA6";  // U+2026
  }
  return subject;
}

std::string user_email(const DeliveryContext& ctx) {
  return bare(trim(ctx.settings.value("user_email")));
}

}  // namespace

std::optional<VacationReply> vacation_reply(const DeliveryContext& ctx,
                                            const interp::VacationAction& v, std::string& why) {
  const mail::Message& m = ctx.message;
  const std::string sender = bare(ctx.envelope.from);
  if (sender.empty()) return why = "null sender", std::nullopt;

  // The user's addresses: the recipient (or the original one), the
  // configured e-mail address and :addresses.
  const std::string rcpt = bare(ctx.envelope.to);
  const std::string orig = bare(ctx.envelope.orig_to);
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
    if (lower(a) == lower(sender)) return why = "sender is the user's own address", std::nullopt;
  if (is_system_sender(sender)) return why = "sender is a system address", std::nullopt;
  if (auto automatic = automatic_message(m)) return why = *automatic, std::nullopt;

  // RFC 5230 §4.5: only mail explicitly addressed to the user is answered.
  std::string found;
  for (const char* h : {"to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc"}) {
    for (auto value : m.header_raw(h)) {
      for (const auto& [addr, text] : entries(value)) {
        for (const auto& a : mine)
          if (lower(a) == lower(addr)) {
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
        if (!done && (ignore_envelope || lower(addr) == lower(sender))) {
          to = text;
          done = true;
        }
    if (done) break;
  }

  std::string from;
  if (v.from)
    from = encode_address_phrase(*v.from);
  else if (!found.empty())
    from = "<" + found + ">";
  else if (const std::string u = user_email(ctx); !u.empty())
    from = "<" + u + ">";
  else
    from = "<" + rcpt + ">";

  std::string out;
  out += mail::header_field("X-Sieve", "zest");
  out += mail::header_field("Message-ID", new_message_id(domain_of(found.empty() ? rcpt : found)));
  out += mail::header_field("Date", rfc5322_date());
  out += "From: " + from + "\r\n";
  out += "To: " + to + "\r\n";
  out += mail::header_field("Subject", v.subject ? *v.subject : default_subject(ctx));
  const std::string id = trim(first_header(m, "message-id"));
  if (!id.empty()) {
    out += mail::header_field("In-Reply-To", id);
    // References: the original's, then its Message-ID, one per line.
    std::string refs;
    std::istringstream in(first_header(m, "references") + " " + id);
    for (std::string word; in >> word;) refs += (refs.empty() ? "" : "\r\n ") + word;
    out += "References: " + refs + "\r\n";
  }
  out += "Auto-Submitted: auto-replied (vacation)\r\n";
  out += "Precedence: bulk\r\n";
  out += "MIME-Version: 1.0\r\n";
  if (v.mime) {
    out += mail::to_crlf(v.reason);  // the reason is a MIME entity with its own header
  } else {
    out += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
    out += mail::to_crlf(v.reason) + "\r\n";
  }

  VacationReply reply;
  reply.mail.envelope_from = setting_yes(ctx, "vacation_send_from_recipient") ? rcpt : "";
  reply.mail.rcpt = sender;
  reply.mail.message = std::move(out);
  // RFC 5230 §4.2: without :handle the reply's content identifies it.
  const std::string handle = v.handle ? "h:" + *v.handle
                                      : "c:" + v.reason + "\x1f" + v.subject.value_or("") + "\x1f" +
                                            v.from.value_or("") + "\x1f" + (v.mime ? "1" : "0");
  reply.tracking_id = "vacation\x1f" + handle + "\x1f" + lower(sender);
  return reply;
}

OutgoingMail report_message(const DeliveryContext& ctx, const interp::ReportAction& r) {
  const std::string sender = bare(ctx.envelope.from);
  const std::string rcpt = bare(ctx.envelope.to);
  const std::string orig = bare(ctx.envelope.orig_to);
  const std::string user = user_email(ctx);

  // sieve_report_from: postmaster (default), sender, recipient,
  // orig_recipient, user_email or an explicit "<address>".
  const std::string policy = lower(trim(ctx.settings.value("report_from", "postmaster")));
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
    if (const std::string a = bare(trim(ctx.settings.value("report_from"))); !a.empty()) from = a;

  std::random_device rd;
  const std::string boundary = "zest-report-" + std::to_string(rd()) + std::to_string(rd());
  const std::string subject = mail::decode_rfc2047(first_header(ctx.message, "subject"));
  std::string out;
  out += mail::header_field("X-Sieve", "zest");
  out += mail::header_field("Message-ID", new_message_id(domain_of(from)));
  out += mail::header_field("Date", rfc5322_date());
  out += "From: <" + from + ">\r\n";
  out += "To: <" + r.address + ">\r\n";
  out += mail::header_field("Subject", "Report: " + subject);
  out += "Auto-Submitted: auto-generated (report)\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: multipart/report; report-type=feedback-report;\r\n";
  out += "\tboundary=\"" + boundary + "\"\r\n\r\n";
  out += "This is a MIME-encapsulated message\r\n\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
  out += mail::to_crlf(r.message) + "\r\n\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Type: message/feedback-report\r\n\r\n";
  out += "Version: 1\r\n";
  out += "Feedback-Type: " + r.feedback_type + "\r\n";
  out += "User-Agent: zest\r\n";
  const std::string reporting_user = user.empty() ? rcpt : user;
  if (!reporting_user.empty()) out += "Dovecot-Reporting-User: <" + reporting_user + ">\r\n";
  out += "Original-Mail-From: <" + sender + ">\r\n";
  if (!(orig.empty() && rcpt.empty()))
    out += "Original-Rcpt-To: <" + (orig.empty() ? rcpt : orig) + ">\r\n";
  out += "Arrival-Date: " + rfc5322_date() + "\r\n";
  const std::string id = trim(first_header(ctx.message, "message-id"));
  if (!id.empty()) out += "Original-Message-ID: " + id + "\r\n";
  out += "\r\n--" + boundary + "\r\n";
  const std::string raw = mail::to_crlf(ctx.message.raw());
  if (r.headers_only) {
    out += "Content-Type: text/rfc822-headers\r\n\r\n";
    const auto end = raw.find("\r\n\r\n");
    out += end == std::string::npos ? raw : raw.substr(0, end + 2);
  } else {
    out += "Content-Type: message/rfc822\r\n\r\n";
    out += raw;
  }
  out += "\r\n--" + boundary + "--\r\n";
  return {"", r.address, std::move(out)};
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
  std::string crlf = mail::to_crlf(body);
  if (crlf.empty() || crlf.back() != '\n') crlf += "\r\n";
  std::string out;
  out += mail::header_field("From", encode_address_phrase(n.from.value_or(std::string(user))));
  out += mail::header_field("To", n.uri);
  out += mail::header_field("Subject", mail::encode_words(subject));
  out += mail::header_field("Date", rfc5322_date(now));
  out += mail::header_field("Message-ID", new_message_id(domain_of(user)));
  out += mail::header_field("Auto-Submitted", "auto-notified");
  out +=
      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\n";
  return out + crlf;
}

}  // namespace zest::delivery
