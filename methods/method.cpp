#include "methods/method.hpp"

#include <algorithm>
#include <cctype>

#include "base/percent.hpp"
#include "base/text.hpp"
#include "base/utf8.hpp"

namespace zest::methods {

std::optional<std::string> Method::capability(std::string_view uri, std::string_view name) const {
  if (check_uri(uri).error) return std::nullopt;
  // RFC 5435 §5: "online" is the only defined capability; we never know.
  if (base::iequals(name, "online")) return "maybe";
  return std::nullopt;
}

std::vector<std::string> Method::targets(const NotifyRequest& /*req*/) const {
  return {};
}

Status Method::send(const Payload& p, Transport& t) const {
  if (const auto* m = std::get_if<MailPayload>(&p)) return t.send_mail(*m);
  if (const auto* x = std::get_if<XmppPayload>(&p)) return t.send_xmpp(*x);
  return t.send_http(std::get<HttpPayload>(p));
}

void MethodRegistry::add(std::unique_ptr<Method> m) {
  methods_.push_back(std::move(m));
}

const Method* MethodRegistry::find(std::string_view uri_or_scheme) const {
  std::string scheme = scheme_of(uri_or_scheme);
  if (scheme.empty()) scheme = base::to_lower(uri_or_scheme);
  for (const auto& m : methods_)
    if (m->scheme() == scheme) return m.get();
  return nullptr;
}

std::vector<std::string> MethodRegistry::schemes() const {
  std::vector<std::string> out;
  for (const auto& m : methods_) out.emplace_back(m->scheme());
  return out;
}

std::string scheme_of(std::string_view uri) {
  const auto colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  // RFC 3986 §3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  for (std::size_t i = 0; i < colon; ++i) {
    const auto c = static_cast<unsigned char>(uri[i]);
    if (!(std::isalpha(c) || (i > 0 && (std::isdigit(c) || c == '+' || c == '-' || c == '.'))))
      return {};
  }
  return base::to_lower(uri.substr(0, colon));
}

Status check_option_syntax(std::string_view option) {
  const auto eq = option.find('=');
  if (eq == std::string_view::npos)
    return Status::failure("option '" + std::string(option) + "' is not of the form name=value");
  const std::string_view name = option.substr(0, eq), value = option.substr(eq + 1);
  if (name.empty())
    return Status::failure("option '" + std::string(option) + "' has an empty name");
  // RFC 5435 §3.5: optionname = (ALPHA / DIGIT) *(ALPHA / DIGIT / "." / "-" / "_")
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (!(std::isalnum(c) || (i > 0 && (c == '.' || c == '-' || c == '_'))))
      return Status::failure("option name '" + std::string(name) + "' has an invalid character");
  }
  for (char c : value)
    if (c == '\0' || c == '\r' || c == '\n')
      return Status::failure("option '" + std::string(name) +
                             "' has a value with a line break or NUL");
  return Status::success();
}

std::string default_message(const Trigger& t) {
  // RFC 5435 §3.6: at least the From and Subject of the triggering message.
  return "From: " + (t.from.empty() ? std::string("(unknown)") : t.from) +
         "; Subject: " + (t.subject.empty() ? std::string("(no subject)") : t.subject);
}

std::string encode_url(std::string_view s, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    // Encode one whole UTF-8 character at a time so truncation never
    // splits an escape or a character (RFC 5435 §6 with the size limit);
    // a byte that starts no valid character is encoded alone.
    const std::size_t n = std::max<std::size_t>(1, base::utf8_sequence_length(s, i));
    const std::string piece = base::percent_encode(s.substr(i, n));
    if (limit > 0 && out.size() + piece.size() > limit) break;
    out += piece;
    i += n;
  }
  return out;
}

}  // namespace zest::methods
