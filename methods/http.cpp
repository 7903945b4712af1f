#include "methods/http.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "base/date.hpp"
#include "base/hex.hpp"
#include "base/ip_address.hpp"
#include "base/text.hpp"
#include "base/utf8.hpp"
#include "methods/mailto.hpp"

namespace zest::methods {

Result<HttpUri> parse_http(std::string_view text, bool allow_http) {
  using R = Result<HttpUri>;
  HttpUri u;
  u.scheme = scheme_of(text);
  if (u.scheme != "https" && !(allow_http && u.scheme == "http"))
    return R::failure(u.scheme == "http" ? "http: URIs are not allowed (only https:)"
                                         : "not an https URI");
  for (unsigned char c : text)
    if (c <= ' ' || c >= 127 || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' ||
        c == '`' || c == '{' || c == '|' || c == '}')
      return R::failure("invalid character in http URI");
  std::string_view rest = text.substr(u.scheme.size() + 1);
  if (!rest.starts_with("//")) return R::failure("http URI without an authority");
  rest.remove_prefix(2);
  if (rest.find('#') != std::string_view::npos) return R::failure("http URI with a fragment");
  const auto end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, end);
  u.path_query = end == std::string_view::npos ? "/" : std::string(rest.substr(end));
  if (u.path_query.front() == '?') u.path_query = "/" + u.path_query;
  if (authority.find('@') != std::string_view::npos)
    return R::failure("http URI with user information");
  std::string_view host = authority, port;
  if (host.starts_with("[")) {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return R::failure("invalid IPv6 host in http URI");
    port = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!base::parse_ip(host)) return R::failure("invalid IPv6 host in http URI");
    if (!port.empty() && port.front() != ':') return R::failure("invalid port in http URI");
    if (!port.empty()) port.remove_prefix(1);
  } else if (const auto colon = host.find(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.empty()) return R::failure("http URI without a host");
  for (unsigned char c : host)
    if (!(std::isalnum(c) || c == '-' || c == '.' || c == ':'))
      return R::failure("invalid host in http URI");
  u.host = base::to_lower(host);
  u.port = u.scheme == "https" ? 443 : 80;
  if (!port.empty()) {
    unsigned long v = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || v > 65535)
        return R::failure("invalid port in http URI");
      v = v * 10 + static_cast<unsigned long>(c - '0');
    }
    if (v == 0 || v > 65535) return R::failure("invalid port in http URI");
    u.port = static_cast<std::uint16_t>(v);
  }
  return u;
}

std::string http_notification_json(const NotifyRequest& req, const Trigger& t,
                                   std::string_view event_id) {
  using json = nlohmann::ordered_json;
  auto str = [](std::string_view s) { return json(base::clean_utf8(s)); };
  auto opt = [&](std::string_view s) { return s.empty() ? json(nullptr) : str(s); };
  json options = json::object();
  for (const auto& o : req.options) {
    const auto eq = o.find('=');
    if (eq != std::string::npos) options[base::clean_utf8(o.substr(0, eq))] = str(o.substr(eq + 1));
  }
  json j = {
      {"event", "sieve.notify"},
      {"id", std::string(event_id)},
      {"timestamp", base::rfc3339_date(t.now)},
      {"user",
       str(t.user.empty() ? (t.user_email.empty() ? t.envelope_to : t.user_email) : t.user)},
      {"importance", std::clamp(req.importance, 1, 3)},
      {"message", str(req.message ? *req.message : default_message(t))},
      {"from", req.from ? str(*req.from) : json(nullptr)},
      {"options", options},
      {"trigger",
       {{"from", opt(t.from)},
        {"subject", opt(t.subject)},
        {"date", opt(t.date)},
        {"message_id", opt(t.message_id)},
        {"envelope_from", str(t.envelope_from)},
        {"envelope_to", str(t.envelope_to)}}},
      {"auto_notified", true},
  };
  return j.dump();
}

namespace {

class HttpMethod final : public Method {
 public:
  explicit HttpMethod(bool allow_http, std::string scheme)
      : allow_http_(allow_http), scheme_(std::move(scheme)) {}
  std::string_view scheme() const override { return scheme_; }
  UriCheck check_uri(std::string_view uri) const override {
    auto r = parse_http(uri, allow_http_);
    if (!r) return {r.error(), {}};
    return {};
  }
  Status check_from(std::string_view from) const override {
    // Only a label in the payload; still an address, so logs stay meaningful.
    if (mailto_from_address(from)) return Status::success();
    return Status::failure("invalid :from address '" + std::string(from) + "' for the " + scheme_ +
                           " method");
  }
  Result<Payload> prepare(const NotifyRequest& req, const Trigger& trigger,
                          const Policy& /*policy*/,
                          std::span<const std::string> /*exclude*/) const override {
    auto uri = parse_http(req.uri, allow_http_);
    if (!uri) return Result<Payload>::failure(uri.error());
    HttpPayload p;
    p.url = req.uri;
    p.event_id = "evt_" + trigger.nonce + "_" +
                 base::fnv_hex(req.uri + "\n" + req.message.value_or("") + "\n" +
                               std::to_string(req.importance));
    p.body = http_notification_json(req, trigger, p.event_id);
    static constexpr const char* kUrgency[] = {"high", "normal", "low"};
    p.headers = {{"Content-Type", "application/json"},
                 {"User-Agent", "zest-notify/1"},
                 {"Idempotency-Key", p.event_id},
                 {"Urgency", kUrgency[std::clamp(req.importance, 1, 3) - 1]},
                 {"Auto-Submitted", "auto-notified"}};
    return Payload(std::move(p));
  }
  Description describe(const NotifyRequest& req) const override {
    Description d;
    d.subject = req.message;
    return d;
  }

 private:
  bool allow_http_;
  std::string scheme_;
};

}  // namespace

std::unique_ptr<Method> make_http_method(bool allow_http) {
  return std::make_unique<HttpMethod>(allow_http, "https");
}

std::unique_ptr<Method> make_plain_http_method() {
  return std::make_unique<HttpMethod>(true, "http");
}

}  // namespace zest::methods
