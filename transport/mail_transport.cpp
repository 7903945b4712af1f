// mailto delivery: SMTP submission through CurlSender (one transaction
// per recipient), or a sendmail-compatible program ([notify] sendmail for
// sieve-test, else [submission] sendmail_path).
#include "transport/notify_transport.hpp"
#include "transport/sendmail.hpp"

namespace zest::transport {

Status send_with_sendmail(const MailPayload& p, const std::string& program) {
  return run_sendmail(program, p.envelope_from, p.rcpts, p.message);
}

Status NetworkTransport::send_mail(const MailPayload& p) {
  if (!config_.sendmail.empty()) return send_with_sendmail(p, config_.sendmail);
  if (!config_.submission.sendmail_path.empty())
    return run_sendmail(config_.submission.sendmail_path, p.envelope_from, p.rcpts, p.message,
                        config_.submission.timeout_seconds);
  for (const auto& rcpt : p.rcpts)
    if (auto s = smtp_.send(p.envelope_from, rcpt, p.message); !s) return s;
  return Status::success();
}

Status NetworkTransport::send_xmpp(const XmppPayload& p) {
  return send_xmpp_notification(p, config_.xmpp);
}

Status NetworkTransport::send_http(const HttpPayload& p) {
  return send_http_notification(p, config_.http, config_.policy.allow_http);
}

}  // namespace zest::transport
