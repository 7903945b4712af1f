#include "methods/xmpp.hpp"

#include <algorithm>
#include <cctype>

#include "base/percent.hpp"
#include "base/text.hpp"
#include "base/utf8.hpp"
#include "methods/mailto.hpp"

namespace zest::methods {
namespace {

bool uri_char(unsigned char c) {
  constexpr std::string_view kOther = "!$&'()*+,;=:@/?%";
  return base::is_unreserved(c) || kOther.find(static_cast<char>(c)) != std::string_view::npos;
}

bool valid_domain(std::string_view d) {
  if (d.empty() || d.size() > 1023) return false;
  if (d.front() == '[') return d.back() == ']' && d.size() > 2;
  for (unsigned char c : d)
    if (!(std::isalnum(c) || c == '-' || c == '.')) return false;
  return d.front() != '.' && d.front() != '-';
}

// RFC 7622 §3.3.1: characters a localpart must not contain.
bool valid_node(std::string_view n) {
  if (n.empty() || n.size() > 1023) return false;
  for (unsigned char c : n)
    if (c <= ' ' || c == 127 ||
        std::string_view("\"&'/:<>@").find(static_cast<char>(c)) != std::string_view::npos)
      return false;
  return true;
}

}  // namespace

Result<XmppUri> parse_xmpp(std::string_view text) {
  using R = Result<XmppUri>;
  if (scheme_of(text) != "xmpp") return R::failure("not an xmpp URI");
  std::string_view rest = text.substr(text.find(':') + 1);
  // RFC 5437 §5: a URI, not an IRI; no spaces or raw non-ASCII.
  for (unsigned char c : rest)
    if (c != '#' && !uri_char(c)) return R::failure(std::string("invalid character in xmpp URI"));
  // An authority names the account to send from; we use our own (RFC 5122 §2.3).
  if (rest.starts_with("//")) return R::failure("xmpp URI with an authority is not supported");
  if (const auto hash = rest.find('#'); hash != std::string_view::npos)
    rest = rest.substr(0, hash);  // RFC 5122 §2.6: fragments are ignored
  const auto q = rest.find('?');
  const std::string_view path = rest.substr(0, q);
  XmppUri out;
  std::string_view node, domain = path, resource;
  if (const auto slash = path.find('/'); slash != std::string_view::npos) {
    resource = path.substr(slash + 1);
    domain = path.substr(0, slash);
  }
  if (const auto at = domain.find('@'); at != std::string_view::npos) {
    node = domain.substr(0, at);
    domain = domain.substr(at + 1);
  }
  auto dnode = base::percent_decode(node);
  auto ddomain = base::percent_decode(domain);
  auto dres = base::percent_decode(resource);
  if (!dnode || !ddomain || !dres) return R::failure("invalid percent-encoding in xmpp URI");
  if (!valid_domain(*ddomain)) return R::failure("invalid domain in xmpp URI");
  if (!dnode->empty() || !node.empty()) {
    if (!valid_node(*dnode)) return R::failure("invalid node in xmpp URI");
    out.jid = *dnode + "@";
  }
  out.jid += base::to_lower(*ddomain);
  if (path.find('/') != std::string_view::npos) {
    if (dres->empty() || dres->size() > 1023) return R::failure("invalid resource in xmpp URI");
    out.jid += "/" + *dres;
  }
  if (q != std::string_view::npos) {
    // querytype *( ";" key "=" value ), RFC 5122 §2.5.
    const std::string_view query = rest.substr(q + 1);
    std::size_t pos = query.find(';');
    const std::string_view type = query.substr(0, pos);
    while (pos != std::string_view::npos) {
      const auto next = query.find(';', pos + 1);
      const std::string_view pair = query.substr(
          pos + 1, next == std::string_view::npos ? std::string_view::npos : next - pos - 1);
      pos = next;
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos || eq == 0)
        return R::failure("invalid key=value pair in xmpp URI query");
      auto key = base::percent_decode(pair.substr(0, eq));
      auto value = base::percent_decode(pair.substr(eq + 1));
      if (!key || !value) return R::failure("invalid percent-encoding in xmpp URI query");
      if (type != "message") continue;
      if (*key == "subject" && !out.subject) out.subject = *value;
      if (*key == "body" && !out.body) out.body = *value;
    }
  }
  return out;
}

namespace {

class XmppMethod final : public Method {
 public:
  std::string_view scheme() const override { return "xmpp"; }
  UriCheck check_uri(std::string_view uri) const override {
    auto r = parse_xmpp(uri);
    if (!r) return {r.error(), {}};
    return {};
  }
  Status check_from(std::string_view from) const override {
    // RFC 5437 §2.3: an RFC 5321 Mailbox.
    if (mailto_from_address(from) && from.find('<') == std::string_view::npos)
      return Status::success();
    return Status::failure("invalid :from address '" + std::string(from) + "' for the xmpp method");
  }
  Result<Payload> prepare(const NotifyRequest& req, const Trigger& trigger, const Policy& policy,
                          std::span<const std::string> /*exclude*/) const override {
    auto uri = parse_xmpp(req.uri);
    if (!uri) return Result<Payload>::failure(uri.error());
    XmppPayload p;
    p.to = uri->jid;
    p.type = policy.xmpp_type == "headline" ? "headline" : "normal";
    // RFC 5437 §2.7: :message wins over the URI body; else a text that
    // says this is a Sieve notification.
    const std::string text = req.message ? *req.message
                             : uri->body ? *uri->body
                                         : "Sieve notification: " + default_message(trigger);
    p.body = base::clean_utf8(text);
    p.subject = base::clean_utf8(uri->subject ? *uri->subject : "SIEVE");
    static constexpr const char* kUrgency[] = {"high", "medium", "low"};
    p.shim.push_back({"Urgency", kUrgency[std::clamp(req.importance, 1, 3) - 1]});
    std::string resent = trigger.user_email.empty() ? trigger.envelope_to : trigger.user_email;
    if (req.from && check_from(*req.from)) resent = *req.from;
    if (!resent.empty()) p.shim.push_back({"Resent-From", resent});
    return Payload(std::move(p));
  }
  Description describe(const NotifyRequest& req) const override {
    Description d;
    auto uri = parse_xmpp(req.uri);
    if (!uri) return d;
    d.recipients.push_back({"to", uri->jid, uri->jid});
    d.subject = req.message ? req.message : uri->subject;
    d.body = uri->body;
    return d;
  }
};

}  // namespace

std::unique_ptr<Method> make_xmpp_method() {
  return std::make_unique<XmppMethod>();
}

}  // namespace zest::methods
