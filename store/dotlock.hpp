// Dotlocks as Dovecot takes them on a shared filesystem (NFS): the lock of
// `<file>` is the file `<file>.lock`, created exclusively (O_EXCL, or for
// NFSv2 a unique temp file link()ed to the lock name and checked by its link
// count). Whoever holds it writes the new `<file>` into the lock file and
// renames it over `<file>`, so readers see the old or the new version whole.
//
// A lock whose mtime is older than the stale timeout, and which has not
// changed while we watched it, belongs to a crashed process: it is taken
// over (renamed away and removed; `on_stale` is told). A live lock is
// waited for, up to the wait timeout; then acquire() fails (a temporary
// failure for the caller). Before replacing, the holder checks that the
// lock file is still the one it created, so an overridden holder fails
// instead of writing over its successor.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "base/result.hpp"
#include "store/store_error.hpp"

namespace zest::store {

enum class LockMethod { Excl, Link };

struct LockSettings {
  std::chrono::milliseconds wait = std::chrono::seconds(30);
  // Dovecot's MAILDIR_UIDLIST_LOCK_STALE_TIMEOUT and KEYWORDS_LOCK_STALE_TIMEOUT.
  std::chrono::seconds stale = std::chrono::minutes(2);
  LockMethod method = LockMethod::Excl;
  // Told when a stale lock is overridden: its path and age.
  std::function<void(const std::filesystem::path& lock, std::chrono::seconds age)> on_stale;
};

class Dotlock {
 public:
  // Creates `<target>.lock`.
  static Result<Dotlock, StoreError> acquire(const std::filesystem::path& target,
                                             const LockSettings& settings);
  Dotlock(Dotlock&& o) noexcept;
  Dotlock& operator=(Dotlock&&) = delete;
  Dotlock(const Dotlock&) = delete;
  ~Dotlock();  // removes the lock unless replace() succeeded (and only if still ours)

  int fd() const { return fd_; }
  const std::filesystem::path& lock_path() const { return lock_; }
  // The lock file is still the one this object created.
  bool held() const;
  // held(), or the error that says the lock was taken over.
  Result<bool, StoreError> check_held() const;
  // Writes `data` into the lock file (which must be empty) and fsyncs it.
  Result<bool, StoreError> write(std::string_view data);
  // The same in two steps, so that the fsync can go out with others.
  Result<bool, StoreError> write_unsynced(std::string_view data);
  Result<bool, StoreError> sync();
  // Renames the lock file over the target and fsyncs the directory.
  Result<bool, StoreError> replace();
  // Renames only: the caller fsyncs the directory (with others at once).
  Result<bool, StoreError> rename_into_place();
  // Removes the lock file (if still ours), leaving the target as it is.
  void release();

 private:
  Dotlock(std::filesystem::path target, std::filesystem::path lock, int fd)
      : target_(std::move(target)), lock_(std::move(lock)), fd_(fd) {}
  std::filesystem::path target_, lock_;
  int fd_ = -1;
  bool done_ = false;
};

}  // namespace zest::store
