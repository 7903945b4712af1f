#include "delivery/backend_transport.hpp"

namespace zest::delivery {

Status BackendTransport::send_mail(const methods::MailPayload& p) {
  if ((deferred = backend_.defer(false, p))) {
    sent = p;
    return Status::success();
  }
  for (const auto& rcpt : p.rcpts)
    if (auto s = backend_.send_mail(p.envelope_from, rcpt, p.message); !s) return s;
  sent = p;
  return Status::success();
}

Status BackendTransport::send_xmpp(const methods::XmppPayload& p) {
  if ((deferred = backend_.defer(false, p))) {
    sent = p;
    return Status::success();
  }
  auto s =
      network_ ? network_->send_xmpp(p) : Status::failure("xmpp notifications are not configured");
  if (s) sent = p;
  return s;
}

Status BackendTransport::send_http(const methods::HttpPayload& p) {
  if ((deferred = backend_.defer(false, p))) {
    sent = p;
    return Status::success();
  }
  auto s =
      network_ ? network_->send_http(p) : Status::failure("https notifications are not configured");
  if (s) sent = p;
  return s;
}

}  // namespace zest::delivery
