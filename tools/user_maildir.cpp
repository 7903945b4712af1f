#include "tools/user_maildir.hpp"

#include "store/maildir_tx.hpp"
#include "store/passwd.hpp"
#include "store/user_paths.hpp"
#include "userdb/user_setup.hpp"

namespace zest::tools {

Result<std::filesystem::path, UserMaildirError> user_maildir(const config::ServerConfig& cfg,
                                                             std::string_view user) {
  using R = Result<std::filesystem::path, UserMaildirError>;
  store::UserDb passwd(cfg.passwd_file);
  std::string setup_error;
  auto source = userdb::make_user_source(cfg, passwd, setup_error);
  if (!setup_error.empty())
    return R::failure({false, "user database (" + source->describe() + "): " + setup_error});
  auto found = store::lookup_user(*source, userdb::path_templates(cfg), user);
  if (!found)
    return R::failure({found.error().temporary, "user lookup (" + source->describe() +
                                                    ") failed: " + found.error().message});
  if (!found.value())
    return R::failure(
        {false, "user '" + std::string(user) + "' not found in " + source->describe()});
  return found.value()->where.maildir();
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
