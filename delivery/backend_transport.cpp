#include "delivery/backend_transport.hpp"

namespace zest::delivery {

methods::Error BackendTransport::send_mail(const methods::MailPayload& p) {
  for (const auto& rcpt : p.rcpts)
    if (auto sent = backend_.send_mail(p.envelope_from, rcpt, p.message); !sent)
      return sent.error();
  sent = p;
  return std::nullopt;
}

methods::Error BackendTransport::send_xmpp(const methods::XmppPayload& p) {
  auto e = network_ ? network_->send_xmpp(p) : "xmpp notifications are not configured";
  if (!e) sent = p;
  return e;
}

methods::Error BackendTransport::send_http(const methods::HttpPayload& p) {
  auto e = network_ ? network_->send_http(p) : "https notifications are not configured";
  if (!e) sent = p;
  return e;
}

}  // namespace zest::delivery
