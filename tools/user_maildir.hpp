// sieve-filter -u USER: the user's Maildir, found through the same user
// lookup `zest deliver` uses, and a mailbox of that user by name.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "config/server_config.hpp"

namespace zest::tools {

// The Maildir (INBOX) of `user`: <home>/Maildir, where home comes from the
// configured user lookup (passwd-file; <data_dir>/home/<name> when the
// entry has no home). Errors: the lookup failed, or no such user.
Result<std::filesystem::path> user_maildir(const config::ServerConfig& cfg, std::string_view user);

// The directory of `mailbox` ("INBOX", "Lists", "a/b" or "a.b" as the
// separator says) in the Maildir `root`; an error when the name is
// invalid or the folder does not exist.
Result<std::filesystem::path> user_folder(const std::filesystem::path& root,
                                          std::string_view mailbox, char separator);

}  // namespace zest::tools
