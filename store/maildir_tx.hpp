// Two-phase Maildir++ delivery: stage() writes each copy to tmp/ and fsyncs
// it; commit() renames every staged copy into new/ (or cur/ with flags) and
// fsyncs those directories. Nothing is visible, and nothing must be
// acknowledged, before commit() succeeds; a transaction that is not
// committed removes its tmp files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

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

// Creates tmp/new/cur (and the maildirfolder marker for subfolders).
Result<bool> create_maildir(const std::filesystem::path& dir, bool subfolder);
bool maildir_exists(const std::filesystem::path& dir);

enum class StoreErrorKind { Invalid, Io };
struct StoreError {
  StoreErrorKind kind;
  std::string message;
};
// An I/O failure: "<p>: <what>: <strerror(err)>".
StoreError io_error(const std::filesystem::path& p, std::string_view what, int err);

// One copy made visible by MaildirTransaction::commit(): its file and the
// IMAP UID it got in the folder's dovecot-uidlist (store/uidlist.hpp).
struct StoredCopy {
  std::filesystem::path path;
  std::uint32_t uidvalidity = 0;
  std::uint32_t uid = 0;
};

class MaildirTransaction {
 public:
  MaildirTransaction() = default;
  ~MaildirTransaction();
  MaildirTransaction(const MaildirTransaction&) = delete;
  MaildirTransaction& operator=(const MaildirTransaction&) = delete;

  // `dir` is an existing maildir; `message` uses LF line ends.
  Result<bool, StoreError> stage(const std::filesystem::path& dir, std::string_view message,
                                 std::span<const std::string> flags);
  // Makes every staged copy visible and durable, each with its UID assigned
  // under the folder's dovecot-uidlist lock; returns the copies in staging
  // order.
  Result<std::vector<StoredCopy>, StoreError> commit();
  void rollback();
  std::size_t staged() const { return staged_.size(); }

 private:
  struct Staged {
    std::filesystem::path dir, tmp;
    std::string name;  // final file name (with ":2,..." when it goes to cur/)
    bool to_cur = false;
    std::size_t index = 0;  // staging order
  };
  std::vector<Staged> staged_;
};

// Maps keywords to Dovecot's letters a..z through <dir>/dovecot-keywords,
// adding missing ones (under an exclusive lock). Keywords beyond 26 are
// dropped; returns the letters.
Result<std::string, StoreError> keyword_letters(const std::filesystem::path& dir,
                                                std::span<const std::string> keywords);

// The Maildir info letters (after ":2,") for `flags`: D F R S T for the
// system flags, a..z for keywords (through keyword_letters), sorted.
Result<std::string, StoreError> maildir_info_letters(const std::filesystem::path& dir,
                                                     std::span<const std::string> flags);

// Writes all of `data` to a new file and fsyncs it (O_EXCL).
Result<bool, StoreError> write_file_durably(const std::filesystem::path& path,
                                            std::string_view data);
Result<bool, StoreError> fsync_dir(const std::filesystem::path& dir);

}  // namespace zest::store
