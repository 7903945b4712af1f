// What delivery announces about its outcomes, to whoever the host connects
// (zestd and the LDA: the message-store events of docs/events.md, in
// server/). Delivery waits for each call: a failed announcement makes the
// delivery fail temporarily, so no message is acknowledged unannounced.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "methods/method.hpp"
#include "store/maildir_tx.hpp"

namespace zest::delivery {

// A copy stored by a committed delivery.
struct DeliveredCopy {
  std::string mailbox;  // IMAP name ("INBOX", "Lists/sieve")
  std::vector<std::string> flags;
  std::size_t size = 0;  // octets with CRLF line ends (IMAP RFC822.SIZE)
  store::StoredCopy stored;
};

// A message refused for the user's storage quota (`exceeded`), or the
// first one that fits again after such a refusal. Sizes in octets.
struct QuotaNotice {
  std::string user;
  bool exceeded = false;
  std::uint64_t quota = 0, used = 0;
};

// A notification or vacation reply the delivery produced, to be recorded
// with the delivery's events and sent later by the host's outbox
// (docs/notifications.md).
struct OutgoingItem {
  bool vacation = false;  // else a notify action
  methods::Payload payload;
};

// One committed delivery of a message to a user: the copies stored and the
// folders created for them, or why nothing was stored.
struct DeliveryNotice {
  std::string user;
  std::string envelope_from, rcpt;        // without <>; "" = null sender
  std::string message_id, from, subject;  // first header values, decoded; may be empty
  std::vector<DeliveredCopy> copies;      // in the order they were stored
  std::vector<std::string> created_mailboxes;
  bool rejected = false;  // a reject or ereject action was carried out
  std::string reject_reason;
  bool discarded = false;  // a discard action was carried out
  // Notifications and vacation replies, when the observer takes them.
  std::vector<OutgoingItem> outgoing;
};

class DeliveryObserver {
 public:
  virtual ~DeliveryObserver() = default;
  virtual Status on_quota(const QuotaNotice& notice) = 0;
  // After the commit, before the answer; a failure takes the copies back.
  virtual Status on_delivered(const DeliveryNotice& notice) = 0;
  // True: notifications and vacation replies are not sent during delivery
  // but handed over in DeliveryNotice::outgoing, recorded durably by
  // on_delivered() (a failure fails the delivery temporarily).
  virtual bool takes_outgoing() const { return false; }
};

}  // namespace zest::delivery
