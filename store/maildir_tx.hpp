// Two-phase Maildir++ delivery: stage() writes each copy to tmp/; commit()
// fsyncs them, links every staged copy into new/ (or cur/ with flags) and
// fsyncs those directories, together with the folder's dovecot-uidlist. Nothing is visible, and
// nothing must be acknowledged, before commit() succeeds; a transaction that is not committed
// removes its tmp files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/fd.hpp"
#include "base/parallel_runner.hpp"
#include "base/result.hpp"
#include "store/dotlock.hpp"
#include "store/store_error.hpp"

namespace zest::store {

// IMAP mailbox name (UTF-8) to its Maildir++ directory under `root`:
// "INBOX" is the root, "Lists/sieve" is ".Lists.sieve", non-ASCII becomes
// modified UTF-7 as Dovecot stores it. `separator` is the IMAP hierarchy
// separator scripts use: '/' (then '.' is refused inside a name) or '.'
// (Dovecot's default for Maildir; then '/' is refused, and "INBOX.Junk" is
// ".Junk" as with Dovecot's "INBOX." namespace prefix). Also refused: empty
// components, control characters.
Result<std::filesystem::path> maildir_folder(const std::filesystem::path& root,
                                             std::string_view mailbox, char separator = '/');
std::string utf8_to_mutf7(std::string_view utf8);

// Creates tmp/new/cur (and the maildirfolder marker for subfolders), and
// fsyncs the parent directory unless the caller does it later (a delivery:
// MaildirTransaction::sync_at_commit).
enum class SyncParent { Now, Later };
Result<bool> create_maildir(const std::filesystem::path& dir, bool subfolder,
                            SyncParent sync = SyncParent::Now);
bool maildir_exists(const std::filesystem::path& dir);

// One copy made visible by MaildirTransaction::commit(): its file and the
// IMAP UID it got in the folder's dovecot-uidlist (store/uidlist.hpp).
struct StoredCopy {
  std::filesystem::path path;
  std::uint32_t uidvalidity = 0;
  std::uint32_t uid = 0;
};

class UidListLock;

class MaildirTransaction {
 public:
  // `locks`: how the folders' dovecot-uidlist (and dovecot-keywords) dotlocks
  // are waited for and when a lock is stale. `syncs`: where commit() issues
  // a folder's independent fsyncs at the same time (null: one after the
  // other).
  explicit MaildirTransaction(LockSettings locks = {}, base::ParallelRunner* syncs = nullptr)
      : locks_(std::move(locks)), syncs_(syncs) {}
  ~MaildirTransaction();
  MaildirTransaction(const MaildirTransaction&) = delete;
  MaildirTransaction& operator=(const MaildirTransaction&) = delete;

  // `dir` is an existing maildir; `message` uses LF line ends.
  Result<bool, StoreError> stage(const std::filesystem::path& dir, std::string_view message,
                                 std::span<const std::string> flags);
  // Makes every staged copy visible and durable, each with its UID (and its
  // keyword letters) assigned under the folder's dovecot-uidlist lock;
  // returns the copies in staging order.
  Result<std::vector<StoredCopy>, StoreError> commit();
  void rollback();
  std::size_t staged() const { return staged_.size(); }
  // commit() fsyncs `dir` too, with the others (the parent of a folder
  // made for this delivery: create_maildir(..., SyncParent::No)).
  void sync_at_commit(const std::filesystem::path& dir);

 private:
  struct Staged {
    std::filesystem::path dir, tmp;
    std::string base;                   // file name without ":2,..."
    std::string system_flags;           // D F R S T letters
    std::vector<std::string> keywords;  // get their letters at commit
    std::size_t index = 0;              // staging order
    base::Fd fd;                        // written, fsynced by commit()
  };
  // Runs `steps` at once through syncs_ (in turn without it); the first
  // failure, if any.
  Result<bool, StoreError> run_steps(
      std::span<const std::function<Result<bool, StoreError>()>> steps);
  std::vector<Staged> staged_;
  std::vector<std::filesystem::path> extra_dirs_;
  LockSettings locks_;
  base::ParallelRunner* syncs_ = nullptr;
};

// Maps keywords to Dovecot's letters a..z through the folder's
// dovecot-keywords, adding missing ones. As in Dovecot, the map changes only
// under the folder's dovecot-uidlist lock (`held`); the new map is written
// through the dotlock dovecot-keywords.lock and renamed over the file, with
// an mtime newer than the old one's (Dovecot rereads it only then).
// Keywords beyond 26 and invalid names are dropped; returns the letters.
Result<std::string, StoreError> keyword_letters(const UidListLock& held,
                                                std::span<const std::string> keywords);
// The same, taking the folder's uidlist lock for the update.
Result<std::string, StoreError> keyword_letters(const std::filesystem::path& dir,
                                                std::span<const std::string> keywords,
                                                const LockSettings& locks = {});

// The Maildir info letters (after ":2,") for `flags`: D F R S T for the
// system flags, a..z for keywords (through keyword_letters), sorted.
Result<std::string, StoreError> maildir_info_letters(const std::filesystem::path& dir,
                                                     std::span<const std::string> flags,
                                                     const LockSettings& locks = {});

// Writes all of `data` to a new file and fsyncs it (O_EXCL).
Result<bool, StoreError> write_file_durably(const std::filesystem::path& path,
                                            std::string_view data);
Result<bool, StoreError> fsync_dir(const std::filesystem::path& dir);

}  // namespace zest::store
