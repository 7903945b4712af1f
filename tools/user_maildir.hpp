// sieve-filter -u USER: the user's Maildir, found through the one user
// lookup of zestd and `zest deliver` (store::UserSource as [auth] driver
// says: passwd-file or SQL, paths from the [users] templates), and a
// mailbox of that user by name.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "config/server_config.hpp"

namespace zest::tools {

// The Maildir (INBOX) of `user` as delivery finds it: the database's home
// and mail, else [users] home/mail (default <data_dir>/home/%u and
// ~/Maildir). Errors carry whether they are temporary (the database could
// not answer) or not (no such user, a name or template refused).
struct UserMaildirError {
  bool temporary = false;
  std::string message;
};
Result<std::filesystem::path, UserMaildirError> user_maildir(const config::ServerConfig& cfg,
                                                             std::string_view user);

// The directory of `mailbox` ("INBOX", "Lists", "a/b" or "a.b" as the
// separator says) in the Maildir `root`; an error when the name is
// invalid or the folder does not exist.
Result<std::filesystem::path> user_folder(const std::filesystem::path& root,
                                          std::string_view mailbox, char separator);

}  // namespace zest::tools
