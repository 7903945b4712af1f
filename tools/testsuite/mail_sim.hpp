// The delivery simulation of sieve-testsuite: mailboxes with flags, an SMTP
// outbox with one entry per recipient, and duplicate tracking, all kept in
// memory for the lifetime of one .svtest run.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "delivery/executor.hpp"

namespace zest::testsuite {

struct StoredMessage {
  std::vector<std::string> flags;
  std::string raw;
};

struct SentMessage {
  std::string envelope_from;  // "" = null sender
  std::string rcpt;
  std::string raw;
};

class MailSimulation final : public delivery::DeliveryBackend {
 public:
  MailSimulation();  // the store starts with INBOX only

  bool mailbox_exists(std::string_view mailbox) override;
  delivery::Error create_mailbox(std::string_view mailbox) override;
  delivery::Error store(std::string_view mailbox, std::span<const std::string> flags,
                        std::string_view message) override;
  delivery::Error send_mail(std::string_view envelope_from, std::string_view rcpt,
                            std::string_view message) override;
  bool duplicate_seen(std::string_view id) override;
  void duplicate_mark(std::string_view id, std::chrono::seconds period) override;

  // Messages of a mailbox in arrival order; nullptr when it does not exist.
  const std::vector<StoredMessage>* mailbox(std::string_view name) const;
  const std::vector<SentMessage>& outbox() const { return outbox_; }
  void clear_outbox() { outbox_.clear(); }
  void clear_duplicates() { duplicates_.clear(); }

  // IMAP METADATA (RFC 5464); an empty mailbox name is a server entry.
  void set_metadata(std::string_view mailbox, std::string_view entry, std::string_view value);
  const std::string* metadata(std::string_view mailbox, std::string_view entry) const;

 private:
  std::map<std::string, std::vector<StoredMessage>, std::less<>> boxes_;
  std::vector<SentMessage> outbox_;
  std::set<std::string, std::less<>> duplicates_;
  std::map<std::pair<std::string, std::string>, std::string> metadata_;
};

}  // namespace zest::testsuite
