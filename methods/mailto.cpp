#include "methods/mailto.hpp"

#include <algorithm>
#include <array>

#include "base/hex.hpp"
#include "base/percent.hpp"
#include "base/text.hpp"
#include "base/utf8.hpp"
#include "mail/address.hpp"
#include "mail/message_builder.hpp"

namespace zest::methods {
namespace {

// RFC 6068 qchar without pct-encoded: unreserved / some-delims.
bool qchar(unsigned char c) {
  constexpr std::string_view kSomeDelims = "!$'()*+,;:@";
  return base::is_unreserved(c) || kSomeDelims.find(static_cast<char>(c)) != std::string_view::npos;
}

// Local part case-sensitive, domain case-insensitive (RFC 5321 §2.4).
std::string address_key(std::string_view addr) {
  const std::string_view domain = mail::domain_of(addr);
  return std::string(addr.substr(0, addr.size() - domain.size())) + base::to_lower(domain);
}

// Header fields a mailto URI must not set (RFC 5436 §2.7, RFC 6068 §3/§7).
bool ignored_header(std::string_view lname) {
  static constexpr std::array<std::string_view, 16> kIgnored = {
      "from",        "sender",     "auto-submitted", "received",     "message-id", "date",
      "in-reply-to", "references", "return-path",    "mime-version", "bcc",        "x-sieve",
      "precedence",  "x-priority", "importance",     "list-id"};
  for (auto n : kIgnored)
    if (lname == n) return true;
  return lname.starts_with("resent-") || lname.starts_with("content-");
}

// One address of a to=/cc= field: "addr" or "Name <addr>"; the bare address.
std::optional<std::string> mailbox_address(std::string_view text) {
  const auto list = mail::parse_address_list(text);
  if (list.has_invalid || list.addresses.size() != 1) return std::nullopt;
  const std::string addr = mail::to_string(list.addresses.front());
  if (!mail::is_valid_addr_spec(addr)) return std::nullopt;
  return addr;
}

struct Builder {
  MailtoUri uri;
  std::size_t max_recipients;
  bool truncated = false;

  void add(std::string field, std::string shown, std::string addr) {
    const std::string key = address_key(addr);
    for (auto& r : uri.recipients)
      if (address_key(r.addr_spec) == key) {
        if (field == "to") r.field = "to";  // To wins over Cc
        return;
      }
    if (uri.recipients.size() >= max_recipients) {
      if (!truncated)
        uri.warnings.push_back("more than " + std::to_string(max_recipients) +
                               " recipients in mailto URI; the rest are ignored");
      truncated = true;
      return;
    }
    uri.recipients.push_back({std::move(field), std::move(shown), std::move(addr)});
  }
};

}  // namespace

Result<MailtoUri> parse_mailto(std::string_view text, std::size_t max_recipients,
                               std::size_t max_headers) {
  using R = Result<MailtoUri>;
  if (scheme_of(text) != "mailto") return R::failure("not a mailto URI");
  const std::string_view rest = text.substr(text.find(':') + 1);
  const auto q = rest.find('?');
  const std::string_view to_part = rest.substr(0, q);
  const std::string_view hfields = q == std::string_view::npos ? "" : rest.substr(q + 1);

  for (std::size_t i = 0; i < rest.size(); ++i) {
    const auto c = static_cast<unsigned char>(rest[i]);
    const bool in_hfields = q != std::string_view::npos && i > q;
    if (qchar(c) || c == '%' || i == q) continue;
    if (in_hfields && (c == '&' || c == '=')) continue;
    return R::failure(std::string("invalid character '") + static_cast<char>(c) +
                      "' in mailto URI" + (in_hfields ? " header fields" : " recipient part"));
  }

  Builder b{{}, max_recipients};
  if (!to_part.empty()) {
    for (const auto& raw : mail::split_address_list(to_part)) {
      auto decoded = base::percent_decode(raw);
      if (!decoded) return R::failure("invalid percent-encoding in mailto recipient '" + raw + "'");
      // RFC 2368 style: "%2C" separates addresses too.
      for (const auto& piece : mail::split_address_list(*decoded)) {
        if (!mail::is_valid_addr_spec(piece))
          return R::failure("invalid recipient '" + piece + "' in mailto URI");
        b.add("to", piece, piece);
      }
    }
  }

  if (q != std::string_view::npos) {
    std::size_t copied = 0;
    std::size_t start = 0;
    while (start <= hfields.size()) {
      const auto amp = hfields.find('&', start);
      const std::string_view field = hfields.substr(
          start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
      start = amp == std::string_view::npos ? hfields.size() + 1 : amp + 1;
      const auto eq = field.find('=');
      if (eq == std::string_view::npos)
        return R::failure("mailto header field '" + std::string(field) + "' has no '='");
      const std::string_view raw_value = field.substr(eq + 1);
      if (raw_value.find('=') != std::string_view::npos)
        return R::failure("unencoded '=' in mailto header value");
      auto name = base::percent_decode(field.substr(0, eq));
      auto value = base::percent_decode(raw_value);
      if (!name || !value) return R::failure("invalid percent-encoding in mailto header field");
      if (!mail::valid_field_name(*name))
        return R::failure("invalid header field name '" + *name + "' in mailto URI");
      const std::string lname = base::to_lower(*name);
      // Header injection: only body= may hold line breaks.
      if (lname != "body" && value->find_first_of("\r\n") != std::string::npos)
        return R::failure("line break in mailto header field '" + *name + "'");
      if (lname == "to" || lname == "cc") {
        for (const auto& piece : mail::split_address_list(*value)) {
          const std::string shown(base::trim(piece, " \t"));
          auto addr = mailbox_address(shown);
          if (!addr)
            return R::failure("invalid " + lname + " address '" + shown + "' in mailto URI");
          b.add(lname, shown, *addr);
        }
      } else if (lname == "subject") {
        if (b.uri.subject)
          b.uri.warnings.push_back("second subject header field in mailto URI ignored");
        else
          b.uri.subject = *value;
      } else if (lname == "body") {
        if (b.uri.body)
          b.uri.warnings.push_back("second body header field in mailto URI ignored");
        else
          b.uri.body = *value;
      } else if (ignored_header(lname)) {
        b.uri.warnings.push_back("mailto URI header field '" + *name + "' is ignored");
      } else if (lname == "reply-to" &&
                 std::any_of(b.uri.headers.begin(), b.uri.headers.end(),
                             [](const Header& h) { return base::iequals(h.name, "reply-to"); })) {
        b.uri.warnings.push_back("second reply-to header field in mailto URI ignored");
      } else if (copied >= max_headers) {
        b.uri.warnings.push_back("too many header fields in mailto URI; '" + *name + "' ignored");
      } else {
        b.uri.headers.push_back({*name, *value});
        ++copied;
      }
    }
  }
  if (b.uri.recipients.empty()) b.uri.warnings.push_back("mailto URI has no recipients");
  return std::move(b.uri);
}

std::optional<std::string> mailto_from_address(std::string_view from) {
  // It becomes the From field: no line breaks or other controls (issue 15.2).
  for (const char c : from)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') return std::nullopt;
  const std::string t(base::trim(from, " \t"));
  if (t.empty()) return std::nullopt;
  if (mail::is_valid_addr_spec(t)) return t;
  if (t.back() == '>' && t.find('<') != std::string::npos) return mailbox_address(t);
  return std::nullopt;
}

namespace {

// :from passes policy when it is the user's address or in the user's domain.
bool from_allowed(std::string_view addr, const Trigger& t) {
  for (const std::string& own : {t.user_email, t.envelope_to}) {
    if (own.empty()) continue;
    if (address_key(own) == address_key(addr)) return true;
    const std::string_view domain = mail::domain_of(own);
    if (!domain.empty() && base::iequals(domain, mail::domain_of(addr))) return true;
  }
  return false;
}

std::string user_address(const Trigger& t) {
  return t.user_email.empty() ? t.envelope_to : t.user_email;
}

std::string bare(std::string_view s) {
  std::string v(base::trim(s, " \t"));
  if (v.size() >= 2 && v.front() == '<' && v.back() == '>') v = v.substr(1, v.size() - 2);
  return v;
}

std::string capitalised(std::string_view name) {
  std::string out = base::to_lower(name);
  bool start = true;
  for (char& c : out) {
    if (start) c = base::ascii_upper(c);
    start = c == '-';
  }
  return out;
}

}  // namespace

Result<MailPayload> build_mailto(const MailtoUri& uri, const NotifyRequest& req,
                                 const Trigger& trigger, const Policy& policy,
                                 std::span<const std::string> exclude) {
  std::vector<const Recipient*> to, cc;
  MailPayload p;
  for (const auto& r : uri.recipients) {
    const bool done = std::any_of(exclude.begin(), exclude.end(), [&](const std::string& e) {
      return address_key(e) == address_key(r.addr_spec);
    });
    if (done) continue;
    (r.field == "cc" ? cc : to).push_back(&r);
    p.rcpts.push_back(r.addr_spec);
  }
  if (p.rcpts.empty()) return p;

  std::optional<std::string> from;
  if (req.from) {
    auto addr = mailto_from_address(*req.from);
    if (!addr) return Result<MailPayload>::failure("invalid :from address '" + *req.from + "'");
    if (from_allowed(*addr, trigger)) from = *addr;
  }
  const std::string user = user_address(trigger);
  const std::string header_from = from ? *req.from : (user.empty() ? policy.postmaster : user);

  // Envelope sender (RFC 5436 §2.7): null stays null, else by policy.
  if (!trigger.envelope_from.empty()) {
    const std::string mode = base::to_lower(base::trim(policy.mailto_envelope_from, " \t"));
    if (mode == "sender")
      p.envelope_from = trigger.envelope_from;
    else if (mode == "recipient")
      p.envelope_from = trigger.envelope_to;
    else if (mode == "user_email")
      p.envelope_from = user;
    else if (mode.size() > 2 && mode.front() == '<')
      p.envelope_from = bare(policy.mailto_envelope_from);
    else
      p.envelope_from = from ? *from : policy.postmaster;
  }

  std::string subject;
  if (req.message)
    subject = *req.message;
  else if (uri.subject)
    subject = *uri.subject;
  else
    subject = "Notification: " + (trigger.subject.empty() ? "(no subject)" : trigger.subject);
  // Pigeonhole's cap: 256 characters, then an ellipsis.
  subject = base::truncate_chars(base::clean_utf8(subject), 256);
  for (char& c : subject)
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';

  std::string body = uri.body ? *uri.body : req.message ? *req.message : default_message(trigger);
  if (!body.ends_with("\n")) body += "\n";

  auto shown = [](const std::vector<const Recipient*>& rs) {
    std::vector<std::string> out;
    for (const auto* r : rs) out.push_back(r->address);
    return out;
  };

  mail::MessageBuilder m;
  const std::string owner = user.empty() ? policy.postmaster : user;
  // Auto-Submitted first: it also marks a trace boundary (RFC 5436 §2.7.1).
  m.field("Auto-Submitted", "auto-notified; owner-email=\"" + owner + "\"");
  m.text("X-Sieve", policy.product);
  m.field("Message-ID", "<notify." + trigger.nonce + "." +
                            base::fnv_hex(req.uri + "\n" + req.message.value_or("")) + "@" +
                            trigger.hostname + ">");
  m.date(trigger.now);
  m.mailbox("From", header_from);
  if (!to.empty()) m.mailboxes("To", shown(to));
  if (!cc.empty()) m.mailboxes("Cc", shown(cc));
  m.text("Subject", subject);
  static constexpr const char* kPriority[] = {"1 (Highest)", "3 (Normal)", "5 (Lowest)"};
  static constexpr const char* kImportance[] = {"High", "Normal", "Low"};
  const int imp = std::clamp(req.importance, 1, 3) - 1;
  m.field("X-Priority", kPriority[imp]);
  m.field("Importance", kImportance[imp]);
  m.field("Precedence", "bulk");
  if (!trigger.message_id.empty()) m.field("In-Reply-To", trigger.message_id);
  for (const auto& h : uri.headers) {
    const std::string name = capitalised(h.name);
    const auto field = mail::FieldName::parse(name);  // checked when the URI was parsed
    if (!field) return Result<MailPayload>::failure("invalid header field name '" + h.name + "'");
    m.text(*field, h.value);
  }
  m.mime_version();
  if (base::is_ascii(body)) {
    m.field("Content-Type", "text/plain; charset=us-ascii")
        .field("Content-Transfer-Encoding", "7bit");
  } else {
    body = base::clean_utf8(body);
    m.utf8_text_content();
  }
  p.message = m.with_text(body);
  return p;
}

namespace {

class MailtoMethod final : public Method {
 public:
  std::string_view scheme() const override { return "mailto"; }
  UriCheck check_uri(std::string_view uri) const override {
    auto r = parse_mailto(uri);
    if (!r) return {r.error(), {}};
    return {std::nullopt, r->warnings};
  }
  Status check_from(std::string_view from) const override {
    if (mailto_from_address(from)) return Status::success();
    return Status::failure("invalid :from address '" + std::string(from) +
                           "' for the mailto method");
  }
  Result<Payload> prepare(const NotifyRequest& req, const Trigger& trigger, const Policy& policy,
                          std::span<const std::string> exclude) const override {
    auto uri = parse_mailto(req.uri, policy.max_recipients, policy.max_headers);
    if (!uri) return Result<Payload>::failure(uri.error());
    auto p = build_mailto(*uri, req, trigger, policy, exclude);
    if (!p) return Result<Payload>::failure(p.error());
    return Payload(std::move(*p));
  }
  Description describe(const NotifyRequest& req) const override {
    Description d;
    auto uri = parse_mailto(req.uri);
    if (!uri) return d;
    d.recipients = uri->recipients;
    d.headers = uri->headers;
    d.subject = req.message ? req.message : uri->subject;
    d.body = uri->body;
    return d;
  }
  std::vector<std::string> targets(const NotifyRequest& req) const override {
    std::vector<std::string> out;
    if (auto uri = parse_mailto(req.uri))
      for (const auto& r : uri->recipients) out.push_back(r.addr_spec);
    return out;
  }
};

}  // namespace

std::unique_ptr<Method> make_mailto_method() {
  return std::make_unique<MailtoMethod>();
}

}  // namespace zest::methods
