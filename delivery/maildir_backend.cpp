#include "delivery/maildir_backend.hpp"

#include <algorithm>

namespace zest::delivery {
namespace fs = std::filesystem;

bool MaildirBackend::mailbox_exists(std::string_view mailbox) {
  auto dir = store::maildir_folder(root_, mailbox, separator_);
  // An invalid name "exists" so that store() reports why it is invalid.
  if (!dir) return true;
  if (*dir == root_) return true;  // INBOX is created on first delivery
  return store::maildir_exists(*dir) || autocreate_;
}

Status MaildirBackend::create_mailbox(std::string_view mailbox) {
  auto dir = store::maildir_folder(root_, mailbox, separator_);
  if (!dir) return Status::from(dir);
  // Subfolders live inside the INBOX maildir, so that must exist first.
  // The parents' fsyncs go out with the commit's (nothing is acknowledged
  // before them).
  if (!store::maildir_exists(root_)) {
    if (auto r = store::create_maildir(root_, false, store::SyncParent::Later); !r) {
      storage_failed_ = true;
      return Status::failure(r.error());
    }
    tx_.sync_at_commit(root_.parent_path());
  }
  if (*dir != root_ && !store::maildir_exists(*dir)) {
    if (auto r = store::create_maildir(*dir, true, store::SyncParent::Later); !r) {
      storage_failed_ = true;
      return Status::failure(r.error());
    }
    tx_.sync_at_commit(dir->parent_path());
    created_.emplace_back(mailbox);
  }
  return Status::success();
}

Status MaildirBackend::store(std::string_view mailbox, std::span<const std::string> flags,
                             std::string_view message) {
  auto dir = store::maildir_folder(root_, mailbox, separator_);
  if (!dir) return Status::from(dir);
  if (!store::maildir_exists(*dir)) {
    if (*dir != root_ && !autocreate_)
      return Status::failure("Mailbox doesn't exist: " + std::string(mailbox));
    if (auto created = create_mailbox(mailbox); !created) return created;
  }
  auto r = tx_.stage(*dir, message, flags);
  if (!r) {
    if (r.error().kind == store::StoreErrorKind::Io) storage_failed_ = true;
    return Status::failure(r.error().message);
  }
  const auto lfs = static_cast<std::size_t>(std::count(message.begin(), message.end(), '\n'));
  staged_.push_back({std::string(mailbox), {flags.begin(), flags.end()}, message.size() + lfs, {}});
  return Status::success();
}

Status MaildirBackend::send_mail(std::string_view envelope_from, std::string_view rcpt,
                                 std::string_view message) {
  // The executor marks every redirected copy with this header first.
  const bool critical = message.starts_with("X-Sieve-Redirected-From:");
  outgoing_.push_back(
      {std::string(envelope_from), std::string(rcpt), std::string(message), critical});
  return Status::success();
}

// Unanswered, an id counts as seen (nothing acts on it) and the delivery
// fails temporarily (state_failure).
bool MaildirBackend::duplicate_seen(std::string_view id) {
  auto seen = duplicates_->seen(id);
  if (seen) return *seen;
  if (state_failure_.empty()) state_failure_ = seen.error();
  return true;
}

void MaildirBackend::duplicate_mark(std::string_view id, std::chrono::seconds period) {
  marks_.emplace_back(std::string(id), period);
}

bool MaildirBackend::duplicate_claim(std::string_view id) {
  auto claimed = duplicates_->claim(id, store::kDuplicateClaimHold);
  if (!claimed) {
    if (state_failure_.empty()) state_failure_ = claimed.error();
    return false;
  }
  if (!*claimed) return false;
  claims_.emplace_back(id);
  return true;
}

void MaildirBackend::duplicate_release(std::string_view id) {
  if (auto s = duplicates_->release(id); !s) state_errors_.push_back(s.error());
  forget_claim(id);
}

// A failed mark leaves the claim, which expires after its hold.
void MaildirBackend::mark_now(std::string_view id, std::chrono::seconds period) {
  if (auto s = duplicates_->mark(id, period); !s) state_errors_.push_back(s.error());
  forget_claim(id);
}

void MaildirBackend::forget_claim(std::string_view id) {
  std::erase(claims_, id);
}

void MaildirBackend::release_claims() {
  // A release that fails leaves the claim to expire after its hold.
  for (const auto& id : claims_)
    if (auto s = duplicates_->release(id); !s) state_errors_.push_back(s.error());
  claims_.clear();
}

MaildirBackend::~MaildirBackend() {
  release_claims();
}

StagedBackend::CommitResult MaildirBackend::commit() {
  CommitResult res;
  if (storage_failed_) {
    rollback();
    res.failure = Failure::Storage;
    res.error = "storage failed while preparing";
    return res;
  }
  if (!state_failure_.empty()) {
    rollback();
    res.failure = Failure::State;
    res.error = state_failure_;
    return res;
  }
  // Send first: a failed redirect leaves nothing acknowledged and nothing
  // visible, so the client's retry delivers exactly once more.
  for (const auto& m : outgoing_) {
    if (auto s = sender_.send(m.from, m.rcpt, m.message); !s) {
      if (m.critical) {
        rollback();
        res.failure = Failure::Submission;
        res.error = s.error();
        return res;
      }
      res.warnings.push_back(s.error());
    }
  }
  outgoing_.clear();
  auto committed = tx_.commit();
  if (!committed) {
    res.failure =
        committed.error().kind == store::StoreErrorKind::Locked ? Failure::Busy : Failure::Storage;
    res.error = committed.error().message;
    tx_.rollback();
    return res;
  }
  delivered_ = std::move(staged_);
  staged_.clear();
  for (std::size_t i = 0; i < delivered_.size() && i < committed->size(); ++i)
    delivered_[i].stored = (*committed)[i];
  // With deferred replies the marks wait for settle(): a reply whose
  // recording fails is tried again with the client's retry, not taken as
  // sent. A redirect was sent just now, so its mark is kept at once.
  for (auto& [id, period] : marks_) {
    if (!defer_ || id.starts_with("redirect:"))
      mark_now(id, period);
    else
      settle_marks_.emplace_back(std::move(id), period);
  }
  marks_.clear();
  return res;
}

bool MaildirBackend::defer(bool vacation, const methods::Payload& payload) {
  if (!defer_) return false;
  deferred_.push_back({vacation, payload});
  return true;
}

void MaildirBackend::settle() {
  for (const auto& [id, period] : settle_marks_) mark_now(id, period);
  settle_marks_.clear();
}

void MaildirBackend::rollback() {
  tx_.rollback();
  staged_.clear();
  outgoing_.clear();
  marks_.clear();
  deferred_.clear();
  settle_marks_.clear();
  release_claims();
}

}  // namespace zest::delivery
