#include "tools/user_maildir.hpp"

#include "store/maildir_tx.hpp"
#include "store/passwd.hpp"
#include "store/script_cache.hpp"

namespace zest::tools {

Result<std::filesystem::path> user_maildir(const config::ServerConfig& cfg, std::string_view user) {
  using R = Result<std::filesystem::path>;
  store::UserDb users(cfg.passwd_file);
  auto found = users.find(user);
  if (!found) return R::failure("user lookup failed: " + found.error());
  if (!found.value()) return R::failure("user '" + std::string(user) + "' not found");
  return store::SieveHome{store::home_of(*found.value(), cfg.data_dir)}.maildir();
}

Result<std::filesystem::path> user_folder(const std::filesystem::path& root,
                                          std::string_view mailbox, char separator) {
  using R = Result<std::filesystem::path>;
  auto dir = store::maildir_folder(root, mailbox, separator);
  if (!dir) return R::failure("mailbox '" + std::string(mailbox) + "': " + dir.error());
  if (!store::maildir_exists(*dir))
    return R::failure("mailbox '" + std::string(mailbox) + "' does not exist (" + dir->string() +
                      ")");
  return *dir;
}

}  // namespace zest::tools
