// The network side of notifications: SMTP submission (CurlSender) or a
// sendmail-compatible program, signed HTTPS webhooks with SSRF protection
// (the HTTP client), XMPP (libstrophe), and their settings (filled from
// the configuration by config/notify_setup.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "methods/method.hpp"
#include "methods/notifier.hpp"
#include "transport/notify_formats.hpp"
#include "transport/smtp_submit.hpp"
#include "transport/ssrf_guard.hpp"

namespace zest::transport {

// The method-side types these transports carry.
using methods::HttpPayload;
using methods::MailPayload;
using methods::XmppPayload;

struct HttpOptions {
  std::vector<Cidr> allow;          // internal ranges that may be reached anyway
  std::string ca_file;              // trust this CA (PEM) in addition to none else
  std::string secret;               // "whsec_<base64>"; empty = unsigned
  long timeout_seconds = 10;        // whole request
  int max_attempts = 3;             // bounded retries on network errors, 408, 429, 5xx
  long retry_delay_ms = 500;        // doubled after each attempt
  std::vector<HttpTarget> targets;  // [[notify.http.target]]: formats by URL prefix
  std::string format = "json";      // [notify.http] format: "json" or "cloudevents"
  std::string source;               // CloudEvents source ([events] source)
};

struct XmppOptions {
  std::string jid;  // the service account
  std::string password;
  std::string host;  // "" = the JID's domain (SRV lookup)
  std::uint16_t port = 0;
  std::string ca_file;  // trust this CA for the server certificate
  long timeout_seconds = 15;
};

struct NotifyConfig {
  methods::Policy policy;
  methods::Limits limits;
  transport::SubmissionOptions submission;
  std::string sendmail;  // path of a sendmail-compatible program ("" = SMTP)
  HttpOptions http;
  XmppOptions xmpp;
};

Status send_http_notification(const HttpPayload& p, const HttpOptions& options, bool allow_http);
Status send_xmpp_notification(const XmppPayload& p, const XmppOptions& options);
Status send_with_sendmail(const MailPayload& p, const std::string& program);

// The real transports, as configured.
class NetworkTransport final : public methods::Transport {
 public:
  explicit NetworkTransport(const NotifyConfig& config)
      : config_(config), smtp_(config.submission) {}
  Status send_mail(const MailPayload& p) override;
  Status send_xmpp(const XmppPayload& p) override;
  Status send_http(const HttpPayload& p) override;

 private:
  const NotifyConfig& config_;
  transport::CurlSender smtp_;
};

}  // namespace zest::transport
