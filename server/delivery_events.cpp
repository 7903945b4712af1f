#include "server/delivery_events.hpp"

#include "events/notification.hpp"

namespace zest::server {
namespace {

events::Common common(const std::string& user, const std::string& hostname) {
  return {user, hostname, "lmtp"};
}

}  // namespace

std::vector<events::Event> delivery_events(const delivery::DeliveryNotice& n,
                                           const std::string& hostname) {
  const events::Common c = common(n.user, hostname);
  const std::string envelope = "MAIL FROM:<" + n.envelope_from + ">\r\nRCPT TO:<" + n.rcpt + ">";
  std::vector<events::Event> out;
  for (const auto& created : n.created_mailboxes)
    for (const auto& copy : n.copies)
      if (copy.mailbox == created) {
        out.push_back(events::mailbox_create(c, created, copy.stored.uidvalidity));
        break;
      }
  for (const auto& copy : n.copies) {
    events::MessageNewInfo m;
    m.mailbox = copy.mailbox;
    m.uidvalidity = copy.stored.uidvalidity;
    m.uid = copy.stored.uid;
    m.size = copy.size;
    m.envelope = envelope;
    m.flags = copy.flags;
    m.message_id = n.message_id;
    m.from = n.from;
    m.subject = n.subject;
    out.push_back(events::message_new(c, m));
  }
  if (n.copies.empty() && (n.rejected || n.discarded))
    out.push_back(events::message_refused(c, n.rejected, envelope, n.reject_reason, n.message_id,
                                          n.from, n.subject));
  return out;
}

Status DeliveryEvents::on_quota(const delivery::QuotaNotice& n) {
  const events::Event one[] = {
      events::quota_event(common(n.user, hostname_), n.exceeded, n.quota, n.used)};
  return recorder_.record(one);
}

Status DeliveryEvents::on_delivered(const delivery::DeliveryNotice& n) {
  // Recorded even when empty: a recorder that cannot record (the outbox
  // failed to open) refuses every delivery.
  std::vector<events::Outgoing> items;
  std::string imap_url;
  if (!n.copies.empty()) {
    const auto& c = n.copies.front();
    imap_url =
        events::imap_message_url(n.user, hostname_, c.mailbox, c.stored.uidvalidity, c.stored.uid);
  }
  for (const auto& o : n.outgoing) items.push_back({o.vacation, o.payload, imap_url});
  return recorder_.record_all(delivery_events(n, hostname_), events::routed_events(n.user, items));
}

}  // namespace zest::server
