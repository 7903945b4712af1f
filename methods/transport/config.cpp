#include <toml++/toml.h>
#include <fstream>

#include "methods/transport/transport.hpp"

namespace zest::methods {

Result<NotifyConfig> parse_notify_config(std::string_view text, std::string_view source) {
  using R = Result<NotifyConfig>;
  toml::table t;
  try {
    t = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return R::failure(std::string(source) + ": " + std::string(e.description()));
  }
  NotifyConfig c;
  auto str = [&](std::string_view path, std::string& out) {
    if (auto v = t.at_path(path).value<std::string>()) out = *v;
  };
  auto num = [&](std::string_view path, auto& out) {
    if (auto v = t.at_path(path).value<std::int64_t>(); v && *v >= 0)
      out = static_cast<std::remove_reference_t<decltype(out)>>(*v);
  };
  std::string host;
  str("hostname", host);
  if (!host.empty()) c.policy.postmaster = "postmaster@" + host;
  str("postmaster_address", c.policy.postmaster);
  str("submission.url", c.submission.url);
  str("submission.username", c.submission.username);
  str("submission.user", c.submission.username);  // the name the issue uses
  str("submission.password", c.submission.password);
  num("submission.timeout", c.submission.timeout_seconds);
  str("notify.sendmail", c.sendmail);
  num("notify.max_per_run", c.limits.max_per_run);
  num("notify.max_per_user_hour", c.limits.max_per_user_hour);
  str("notify.mailto_envelope_from", c.policy.mailto_envelope_from);
  str("notify.xmpp.jid", c.xmpp.jid);
  str("notify.xmpp.password", c.xmpp.password);
  str("notify.xmpp.host", c.xmpp.host);
  num("notify.xmpp.port", c.xmpp.port);
  str("notify.xmpp.ca_file", c.xmpp.ca_file);
  str("notify.xmpp.type", c.policy.xmpp_type);
  num("notify.xmpp.timeout", c.xmpp.timeout_seconds);
  c.policy.xmpp_jid = c.xmpp.jid;
  if (auto v = t.at_path("notify.http.allow_http").value<bool>()) c.policy.allow_http = *v;
  str("notify.http.ca_file", c.http.ca_file);
  str("notify.http.secret", c.http.secret);
  num("notify.http.timeout", c.http.timeout_seconds);
  num("notify.http.max_attempts", c.http.max_attempts);
  num("notify.http.retry_delay_ms", c.http.retry_delay_ms);
  if (const auto* allow = t.at_path("notify.http.allow").as_array()) {
    for (const auto& e : *allow) {
      const auto s = e.value<std::string>();
      auto cidr = s ? parse_cidr(*s) : std::nullopt;
      if (!cidr)
        return R::failure(std::string(source) + ": [notify.http] allow: invalid CIDR range");
      c.http.allow.push_back(*cidr);
    }
  }
  if (!c.http.secret.empty() && !webhook_key(c.http.secret))
    return R::failure(std::string(source) + ": [notify.http] secret is not whsec_<base64>");
  if (c.policy.xmpp_type != "normal" && c.policy.xmpp_type != "headline")
    return R::failure(std::string(source) + ": [notify.xmpp] type must be normal or headline");
  return c;
}

Result<NotifyConfig> load_notify_config(std::string_view path) {
  try {
    std::ifstream in{std::string(path)};
    if (!in) return Result<NotifyConfig>::failure(std::string(path) + ": cannot read");
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    return parse_notify_config(text, path);
  } catch (const std::exception& e) {
    return Result<NotifyConfig>::failure(std::string(path) + ": " + e.what());
  }
}

}  // namespace zest::methods
