#include "config/notify_setup.hpp"

namespace zest::config {

transport::NotifyConfig notify_config(const config::ServerConfig& c) {
  transport::NotifyConfig n;
  n.policy.postmaster = c.postmaster_address;
  n.policy.mailto_envelope_from = c.notify_mailto_envelope_from;
  n.policy.allow_http = c.notify_http_allow_http;
  n.policy.xmpp_jid = c.notify_xmpp_jid;
  n.policy.xmpp_type = c.notify_xmpp_type;
  n.limits.max_per_run = static_cast<std::size_t>(c.notify_max_per_run);
  n.limits.max_per_user_hour = static_cast<std::size_t>(c.notify_max_per_user_hour);
  n.submission = {c.submission_url,
                  c.submission_user.empty() ? c.submission_username : c.submission_user,
                  c.submission_password, static_cast<long>(c.submission_timeout)};
  n.sendmail = c.notify_sendmail;
  for (const auto& range : c.notify_http_allow)
    if (auto cidr = transport::parse_cidr(range)) n.http.allow.push_back(*cidr);
  n.http.ca_file = c.notify_http_ca_file;
  n.http.secret = c.notify_http_secret;
  n.http.timeout_seconds = static_cast<long>(c.notify_http_timeout);
  n.http.max_attempts = static_cast<int>(c.notify_http_max_attempts);
  n.http.retry_delay_ms = static_cast<long>(c.notify_http_retry_delay_ms);
  n.http.format = c.notify_http_format;
  n.http.source = c.events_source;
  for (const auto& t : c.notify_http_targets)
    n.http.targets.push_back({t.prefix, t.format, t.token, t.authorization, t.tags});
  n.xmpp.jid = c.notify_xmpp_jid;
  n.xmpp.password = c.notify_xmpp_password;
  n.xmpp.host = c.notify_xmpp_host;
  n.xmpp.port = static_cast<std::uint16_t>(c.notify_xmpp_port);
  n.xmpp.ca_file = c.notify_xmpp_ca_file;
  n.xmpp.timeout_seconds = static_cast<long>(c.notify_xmpp_timeout);
  return n;
}

interp::EngineSettings engine_settings(const config::ServerConfig& c) {
  interp::EngineSettings s = c.sieve;
  s.values["notify_max_per_run"] = std::to_string(c.notify_max_per_run);
  s.values["notify_max_per_user_hour"] = std::to_string(c.notify_max_per_user_hour);
  s.values["notify_http_allow_http"] = c.notify_http_allow_http ? "yes" : "no";
  s.values["notify_xmpp_type"] = c.notify_xmpp_type;
  if (!c.notify_xmpp_jid.empty()) s.values["notify_xmpp_jid"] = c.notify_xmpp_jid;
  if (!c.notify_mailto_envelope_from.empty())
    s.values["notify_mailto_envelope_from"] = c.notify_mailto_envelope_from;
  return s;
}

}  // namespace zest::config
