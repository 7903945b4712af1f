// The real DeliveryBackend: Maildir++ folders under one user's Maildir and
// outgoing mail through a transport::MailSender, in two phases. While the executor
// runs, stores are only staged (written to tmp/ and fsynced) and outgoing
// mail and duplicate marks are queued; commit() sends the mail, then makes
// the stored copies visible and durable. Nothing may be acknowledged unless
// commit() succeeded.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "delivery/delivery_observer.hpp"
#include "delivery/executor.hpp"
#include "store/duplicate_store.hpp"
#include "store/maildir_tx.hpp"
#include "transport/smtp_submit.hpp"

namespace zest::delivery {

class StagedBackend : public DeliveryBackend {
 public:
  // Busy: a folder's dovecot-uidlist lock could not be had in time.
  // State: a duplicate check or claim went unanswered (state_failure()).
  enum class Failure { None, Storage, Submission, Busy, State };
  struct CommitResult {
    Failure failure = Failure::None;
    std::string error;
    std::vector<std::string> warnings;  // e.g. a vacation reply that could not be sent
  };
  virtual CommitResult commit() = 0;
  virtual void rollback() = 0;
  // Set when a prepare step hit an I/O error (disk full, EIO): the whole
  // delivery must then fail temporarily instead of falling back to keep.
  virtual bool storage_failed() const = 0;
  // After a successful commit(): the stored copies, in store() order, and
  // the folders this delivery created (for message-store events).
  virtual std::vector<DeliveredCopy> delivered() const { return {}; }
  virtual std::vector<std::string> created_mailboxes() const { return {}; }
  // Defer notifications and vacation replies (DeliveryBackend::defer) to
  // the observer; they are in outgoing() after a successful commit().
  virtual void set_defer(bool /*on*/) {}
  virtual std::vector<OutgoingItem> outgoing() const { return {}; }
  // After the observer recorded the delivery: what must wait for that
  // (duplicate marks of deferred replies) is made durable.
  virtual void settle() {}
  // Why a duplicate check or claim could not be answered (the state store
  // out of reach; "" = it always was). The result then rests on no state:
  // the delivery must fail temporarily instead of committing.
  virtual std::string state_failure() const { return {}; }
  // Marks and releases that failed since the last call (logged; they
  // happen after the decision, when failing the delivery would repeat it).
  virtual std::vector<std::string> take_state_errors() { return {}; }
};

class MaildirBackend final : public StagedBackend {
 public:
  // `autocreate`: fileinto creates missing folders even without :create.
  // `separator`: the hierarchy separator of mailbox names (store::maildir_folder).
  // `locks`: the folders' dovecot-uidlist/dovecot-keywords dotlocks.
  // `syncs`: where a commit's independent fsyncs run at once (null: in turn).
  MaildirBackend(std::filesystem::path maildir, transport::MailSender& sender,
                 std::shared_ptr<store::DuplicateStore> duplicates, bool autocreate,
                 char separator = '/', store::LockSettings locks = {},
                 base::ParallelRunner* syncs = nullptr)
      : root_(std::move(maildir)),
        sender_(sender),
        duplicates_(std::move(duplicates)),
        autocreate_(autocreate),
        separator_(separator),
        tx_(std::move(locks), syncs) {}
  // Claims that never became marks (a failed or abandoned delivery) are
  // released, so the client's retry may act.
  ~MaildirBackend() override;
  MaildirBackend(const MaildirBackend&) = delete;
  MaildirBackend& operator=(const MaildirBackend&) = delete;

  bool mailbox_exists(std::string_view mailbox) override;
  Status create_mailbox(std::string_view mailbox) override;
  Status store(std::string_view mailbox, std::span<const std::string> flags,
               std::string_view message) override;
  Status send_mail(std::string_view envelope_from, std::string_view rcpt,
                   std::string_view message) override;
  bool duplicate_seen(std::string_view id) override;
  void duplicate_mark(std::string_view id, std::chrono::seconds period) override;
  bool duplicate_claim(std::string_view id) override;
  void duplicate_release(std::string_view id) override;

  CommitResult commit() override;
  void rollback() override;
  bool storage_failed() const override { return storage_failed_; }
  std::vector<DeliveredCopy> delivered() const override { return delivered_; }
  std::vector<std::string> created_mailboxes() const override { return created_; }
  bool defer(bool vacation, const methods::Payload& payload) override;
  void set_defer(bool on) override { defer_ = on; }
  std::vector<OutgoingItem> outgoing() const override { return deferred_; }
  void settle() override;
  std::string state_failure() const override { return state_failure_; }
  std::vector<std::string> take_state_errors() override { return std::exchange(state_errors_, {}); }

 private:
  struct Outgoing {
    std::string from, rcpt, message;
    bool critical;  // a redirect: the message goes nowhere else
  };
  std::filesystem::path root_;
  transport::MailSender& sender_;
  std::shared_ptr<store::DuplicateStore> duplicates_;
  bool autocreate_;
  char separator_;
  store::MaildirTransaction tx_;
  std::vector<Outgoing> outgoing_;
  std::vector<std::pair<std::string, std::chrono::seconds>> marks_;
  std::vector<DeliveredCopy> staged_;     // what store() staged, in order
  std::vector<DeliveredCopy> delivered_;  // after commit()
  std::vector<std::string> created_;
  bool storage_failed_ = false;
  bool defer_ = false;
  std::vector<OutgoingItem> deferred_;
  std::vector<std::pair<std::string, std::chrono::seconds>> settle_marks_;
  std::vector<std::string> claims_;  // claimed, not yet marked
  std::string state_failure_;
  std::vector<std::string> state_errors_;

  void forget_claim(std::string_view id);
  void mark_now(std::string_view id, std::chrono::seconds period);
  void release_claims();
};

}  // namespace zest::delivery
