// Where a user's home, Maildir and scripts are: the user database's home
// and mail, else the [users] templates, in Dovecot's notation (%u user,
// %n local part, %d domain, %h home, %% a percent sign; %Lu etc. lower-case
// the value; "~/" at the start is the home). An existing Dovecot tree is
// used where it lies, e.g. home "/var/vmail/%d/%n", mail "~/Maildir".
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "store/script_cache.hpp"
#include "store/user_source.hpp"

namespace zest::store {

struct PathTemplates {
  std::filesystem::path data_dir = "./var";
  std::string home;                               // "" = <data_dir>/home/%u
  std::string mail = "~/Maildir";                 // Dovecot's mail_location (maildir: only)
  std::string sieve_dir = "~/sieve";              // the user's scripts
  std::string sieve_active = "~/.dovecot.sieve";  // the active-script link
  std::uint64_t quota_storage = 0;                // [quota] storage: users without a quota_rule
};

// Refuses names that a template could turn into another directory: empty,
// containing '/', '\\', "..", a NUL or a control character, or a local
// part or domain that is "." . The error says why.
Status check_user_name(std::string_view name);

// Expands the %-variables and a leading "~". `home` is empty while the home
// itself is expanded (%h and ~ are errors there). The user name must pass
// check_user_name first (resolve_user does this).
Result<std::string> expand_template(std::string_view tmpl, std::string_view user,
                                    std::string_view home);

// "maildir:~/Maildir:LAYOUT=fs" -> "~/Maildir"; a plain path stays. Other
// formats (mbox, mdbox, sdbox) are refused.
Result<std::string> maildir_of_location(std::string_view location);

// A user with every path resolved.
struct UserPlace {
  std::string name;
  UserRecord record;                // as the database gave it (password, fields)
  SieveHome where;                  // home, Maildir, scripts
  std::uint64_t quota_storage = 0;  // octets; 0 = no limit
};

// A failure names the user and the template or field at fault.
Result<UserPlace> resolve_user(const UserRecord& user, const PathTemplates& templates);

// Both together: nullopt when there is no such user; a failure is either
// temporary (the database) or permanent (a name or template refused).
struct LookupError {
  bool temporary = true;
  std::string message;
};
Result<std::optional<UserPlace>, LookupError> lookup_user(UserSource& source,
                                                          const PathTemplates& templates,
                                                          std::string_view name);
Result<std::optional<UserPlace>, LookupError> lookup_recipient(UserSource& source,
                                                               const PathTemplates& templates,
                                                               std::string_view address,
                                                               std::string_view delimiters);

}  // namespace zest::store
