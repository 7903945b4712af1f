// The carrier of one delivery's notifications: mail goes through the
// delivery backend (queued with the rest of the delivery's outgoing mail),
// xmpp and https through the host's network transport, when it has one.
#pragma once

#include <optional>

#include "delivery/executor.hpp"
#include "methods/method.hpp"

namespace zest::delivery {

class BackendTransport final : public methods::Transport {
 public:
  // `network` may be null: xmpp and https notifications then fail.
  BackendTransport(DeliveryBackend& backend, methods::Transport* network)
      : backend_(backend), network_(network) {}
  Status send_mail(const methods::MailPayload& p) override;
  Status send_xmpp(const methods::XmppPayload& p) override;
  Status send_http(const methods::HttpPayload& p) override;

  // What the last successful send carried (for :fcc).
  std::optional<methods::Payload> sent;
  bool deferred = false;  // ... and it was only handed to the backend's outbox

 private:
  DeliveryBackend& backend_;
  methods::Transport* network_;
};

}  // namespace zest::delivery
