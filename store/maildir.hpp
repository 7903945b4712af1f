// Maildir++ delivery: write to tmp/, fsync, rename into new/ (or cur/ with
// flags), fsync the directory. Folders are named with '/' as IMAP clients
// see them and stored as ".A.B".
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace zest::store {

class Maildir {
 public:
  explicit Maildir(std::filesystem::path root) : root_(std::move(root)) {}

  // The directory of a folder ("INBOX" is the root), or an error for a name
  // Maildir++ cannot hold (a '.' inside a component, empty components).
  Result<std::filesystem::path> folder_path(std::string_view mailbox) const;
  bool folder_exists(std::string_view mailbox) const;
  Result<bool> create_folder(std::string_view mailbox) const;
  // Stores a message; returns the file name it got.
  Result<std::string> deliver(std::string_view mailbox, std::string_view message,
                              const std::vector<std::string>& flags) const;

 private:
  std::filesystem::path root_;
};

}  // namespace zest::store
