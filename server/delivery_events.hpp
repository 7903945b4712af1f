// zestd's and the LDA's delivery observer: each outcome delivery announces
// becomes the message-store events of docs/events.md, recorded (durably)
// in the event outbox before delivery answers.
#pragma once

#include <string>
#include <vector>

#include "delivery/delivery_observer.hpp"
#include "events/event.hpp"

namespace zest::server {

// MailboxCreate for each folder the delivery created and stored into,
// MessageNew for each stored copy; or MessageRejected / MessageDiscarded
// when nothing was stored.
std::vector<events::Event> delivery_events(const delivery::DeliveryNotice& n,
                                           const std::string& hostname);

class DeliveryEvents final : public delivery::DeliveryObserver {
 public:
  DeliveryEvents(events::EventRecorder& recorder, std::string hostname)
      : recorder_(recorder), hostname_(std::move(hostname)) {}
  Status on_quota(const delivery::QuotaNotice& n) override;
  // The events and the delivery's notifications and vacation replies, in
  // one transaction (docs/notifications.md).
  Status on_delivered(const delivery::DeliveryNotice& n) override;
  bool takes_outgoing() const override { return true; }

 private:
  events::EventRecorder& recorder_;
  std::string hostname_;  // the server FQDN of the events
};

}  // namespace zest::server
