// IMAP UIDs for Maildir messages, kept in Dovecot's `dovecot-uidlist` so that
// Dovecot's IMAP server shows the UIDs zest assigned at delivery. The rules
// are Dovecot's: the list is changed only by whoever holds the dotlock
// `dovecot-uidlist.lock` (store/dotlock.hpp: exclusive create, stale after
// two minutes unchanged); the new list is written into that lock file and
// renamed over `dovecot-uidlist`. dovecot-keywords is changed only under
// this lock too (maildir_tx.hpp keyword_letters), as Dovecot does, so zest
// processes, zest nodes sharing the Maildir over NFS and Dovecot's imapd
// exclude each other.
//
// When only new messages are added to a list that is already there (the
// usual delivery), the new lines are appended to `dovecot-uidlist` in place
// and fdatasync'ed, as Dovecot itself does; its header's N then lags, and
// readers take the larger of N and the last UID + 1. A line cut short by a
// crash (no final newline) is ignored by readers and dropped by the next
// writer, which then rewrites the whole list.
//
// Format (version 3): a header "3 V<uidvalidity> N<next uid> [G<guid> ...]"
// and one line per message "<uid> [<ext> ...] :<file name without :2,info>".
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "store/dotlock.hpp"
#include "store/maildir_tx.hpp"

namespace zest::store {

struct UidListHeader {
  std::uint32_t uidvalidity = 0;
  std::uint32_t next_uid = 1;
};

// Parses a dovecot-uidlist text: the header, and each record's UID by base
// file name. nullopt when the header is not version 3 (or 1).
struct ParsedUidList {
  UidListHeader header;
  std::string header_rest;  // header fields other than V and N, kept as written
  struct Record {
    std::uint32_t uid = 0;
    std::string base;  // file name without ":2,..."
    std::string line;  // as written (extension fields kept)
  };
  std::vector<Record> records;
  // The text ended inside a record (a write cut short): that line was
  // ignored, and the list must be rewritten rather than appended to.
  bool truncated = false;
};
std::optional<ParsedUidList> parse_uidlist(std::string_view text);

// The base name Dovecot keys a Maildir file by: the name up to ":2,".
std::string maildir_base_name(std::string_view file_name);

// Holds dovecot-uidlist.lock of one Maildir folder. add() assigns UIDs.
// When the list has to be rewritten (new, version 1, cut short), prepare()
// writes the new list into the lock file and fsyncs it, and commit()
// renames it over dovecot-uidlist and fsyncs the folder; otherwise
// prepare() does nothing and commit() appends the new lines and
// fdatasyncs the list. Without commit() the lock is removed and nothing
// changes.
class UidListLock {
 public:
  // Waits (bounded by `settings.wait`) for the lock.
  static Result<UidListLock, StoreError> acquire(const std::filesystem::path& dir,
                                                 const LockSettings& settings = {});
  UidListLock(UidListLock&& o) noexcept;
  UidListLock& operator=(UidListLock&&) = delete;
  UidListLock(const UidListLock&) = delete;
  ~UidListLock();

  std::uint32_t uidvalidity() const { return list_.header.uidvalidity; }
  const std::filesystem::path& dir() const { return dir_; }
  const LockSettings& settings() const { return settings_; }
  // The UID of `file_name` (already listed, or newly assigned).
  std::uint32_t add(std::string_view file_name);
  Result<bool, StoreError> prepare();
  // prepare() in two steps, so that the fsync can go out with others:
  // sync_prepared() fsyncs what prepare_unsynced() wrote (if anything).
  Result<bool, StoreError> prepare_unsynced();
  Result<bool, StoreError> sync_prepared();
  // commit() will rename a new list over the old one (and fsync the
  // folder) rather than append to it.
  bool rewrites() const { return changed_ && !appendable_; }
  Result<bool, StoreError> commit();

 private:
  UidListLock(std::filesystem::path dir, Dotlock lock, ParsedUidList list, bool changed,
              LockSettings settings);
  Result<bool, StoreError> append();
  std::filesystem::path dir_;
  Dotlock lock_;
  ParsedUidList list_;
  bool changed_ = false;
  LockSettings settings_;
  // Set when the list read at acquire() can take new lines at its end:
  // its size then, and how many records it had.
  bool appendable_ = false;
  std::size_t read_size_ = 0;
  std::size_t read_records_ = 0;
};

}  // namespace zest::store
