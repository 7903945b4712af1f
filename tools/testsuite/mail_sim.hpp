// The delivery simulation of sieve-testsuite: the real Maildir backend of
// zestd (delivery::MaildirBackend) writing into a temporary directory that
// lives as long as one .svtest run, with outgoing SMTP captured instead of
// sent (one entry per recipient, with its envelope) and duplicate tracking
// in the same directory. IMAP METADATA, which zest's store does not keep,
// is simulated in memory.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "delivery/executor.hpp"
#include "delivery/maildir_backend.hpp"
#include "transport/smtp_submit.hpp"

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

// A directory made with mkdtemp(3) and removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Outgoing mail of the simulation: kept, never sent.
class CapturedSmtp final : public transport::MailSender {
 public:
  Status send(std::string_view from, std::string_view rcpt, std::string_view message) override;
  std::vector<SentMessage> sent;
};

class MailSimulation final : public delivery::DeliveryBackend {
 public:
  MailSimulation();  // the store starts with INBOX only

  bool mailbox_exists(std::string_view mailbox) override;
  Status create_mailbox(std::string_view mailbox) override;
  Status store(std::string_view mailbox, std::span<const std::string> flags,
               std::string_view message) override;
  Status send_mail(std::string_view envelope_from, std::string_view rcpt,
                   std::string_view message) override;
  bool duplicate_seen(std::string_view id) override;
  void duplicate_mark(std::string_view id, std::chrono::seconds period) override;

  // Makes what the executor staged visible (stored copies, sent mail,
  // duplicate marks), as zestd does before it acknowledges a delivery.
  Status commit();

  // Messages of a mailbox in arrival order, read back from the Maildir;
  // nullopt when it does not exist.
  std::optional<std::vector<StoredMessage>> mailbox(std::string_view name) const;
  const std::vector<SentMessage>& outbox() const { return smtp_.sent; }
  void clear_outbox() { smtp_.sent.clear(); }
  void clear_duplicates();

  // IMAP METADATA (RFC 5464); an empty mailbox name is a server entry.
  void set_metadata(std::string_view mailbox, std::string_view entry, std::string_view value);
  const std::string* metadata(std::string_view mailbox, std::string_view entry) const;

  const std::filesystem::path& maildir() const { return maildir_; }

 private:
  TempDir dir_;
  std::filesystem::path maildir_;
  std::filesystem::path duplicates_file_;
  CapturedSmtp smtp_;
  delivery::MaildirBackend backend_;
  // Stored files of each folder directory in arrival order.
  std::map<std::filesystem::path, std::vector<std::filesystem::path>> arrivals_;
  std::map<std::pair<std::string, std::string>, std::string> metadata_;
};

}  // namespace zest::testsuite
