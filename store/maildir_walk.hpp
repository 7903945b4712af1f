// The messages stored in one Maildir folder, for tools that go over a
// whole folder (sieve-filter, the in-process benchmark): each file of cur/
// and new/ with its IMAP UID (from dovecot-uidlist) and its flags (the
// ":2," info letters, keywords through dovecot-keywords), in UID order.
// Also the two changes a filter makes to a stored message in place: new
// flags (a rename, the base name and so the UID stay) and expunge.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "store/maildir_tx.hpp"

namespace zest::store {

struct StoredMessage {
  std::filesystem::path path;      // the file as it was listed
  std::string file_name;           // its name in cur/ or new/
  std::uint32_t uid = 0;           // 0 when dovecot-uidlist does not list it (yet)
  std::vector<std::string> flags;  // canonical: \Seen ..., keywords as named
  bool deleted() const;            // has \Deleted
};

struct FolderListing {
  std::uint32_t uidvalidity = 0;  // 0 without a dovecot-uidlist
  std::vector<StoredMessage> messages;
};

// dovecot-keywords of folder `dir`: Maildir info letter ('a' + index) to
// keyword name; empty when the file is missing.
std::map<char, std::string> read_keyword_letters(const std::filesystem::path& dir);

// The flags a Maildir file name carries after ":2," (D F R S T, keyword
// letters through `keywords`), canonical.
std::vector<std::string> flags_from_file_name(std::string_view file_name,
                                              const std::map<char, std::string>& keywords);

// Lists `dir` (an existing Maildir folder: cur/ new/ tmp/). Listed UIDs
// first in UID order, then unlisted files by name.
Result<FolderListing, StoreError> list_folder(const std::filesystem::path& dir);

// Reads one listed message. nullopt when it is gone (expunged meanwhile).
std::optional<std::string> read_stored(const StoredMessage& m);

// Gives `m` exactly `flags` (system flags and keywords): renames it into
// cur/ with the new info; returns the new path. Nothing happens when the
// flags are the same.
Result<std::filesystem::path, StoreError> set_stored_flags(const std::filesystem::path& dir,
                                                           const StoredMessage& m,
                                                           std::span<const std::string> flags);

// Removes the file (Dovecot drops the uidlist record at its next sync).
Result<bool, StoreError> expunge_stored(const StoredMessage& m);

}  // namespace zest::store
