// The one user lookup that LMTP, `zest deliver`, ManageSieve and the CLI
// share: a user database (the passwd-file, or SQL in userdb/) answers with
// a UserRecord, and user_paths.hpp turns it into the user's directories.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "store/passwd.hpp"

namespace zest::store {

// One user as a database gives it; empty fields fall back to the
// [users] templates and the [quota] default.
struct UserRecord {
  std::string name;        // the name the user is known by (%u)
  std::string password;    // "{SCHEME}hash"; "" = cannot log in
  std::string home;        // Dovecot's userdb home
  std::string mail;        // Dovecot's userdb mail ("maildir:~/Maildir" or a path)
  std::string quota_rule;  // Dovecot's userdb quota_rule ("*:storage=1G")
  // Shown by `zest user show`; only the passwd-file has them.
  std::string uid, gid, extra;
};

class UserSource {
 public:
  virtual ~UserSource() = default;
  // nullopt: no such user. A failure means the database could not answer
  // (unreachable, unreadable): a temporary condition, never "unknown user".
  virtual Result<std::optional<UserRecord>> find(std::string_view name) = 0;
  // Every user (iterate_query for SQL).
  virtual Result<std::vector<UserRecord>> all() = 0;
  // For logs and errors: "passwd-file /etc/zest/passwd", "sql pgsql".
  virtual std::string describe() const = 0;
};

// Recipient lookup: recipient_keys() in order, the first user found.
Result<std::optional<UserRecord>> find_recipient(UserSource& source, std::string_view address,
                                                 std::string_view delimiters);

// Dovecot's extra fields of a passwd-file line, separated by spaces:
// userdb_home=, userdb_mail=, userdb_quota_rule= (the "userdb_" prefix may
// be left out); other fields are ignored. Values may not contain spaces.
void apply_extra_fields(std::string_view extra, UserRecord& into);
UserRecord record_of(const UserEntry& entry);

// "*:storage=1G" (also "*:bytes=N", and ":storage=" with the units
// B, k, M, G, T of Dovecot; a bare number is KiB for storage, octets for
// bytes, as in Dovecot). 0 = no limit ("*:ignore" and "*:storage=0").
Result<std::uint64_t> parse_quota_rule(std::string_view rule);

// The passwd-file (re-read when it changes) as a UserSource.
class PasswdUserSource final : public UserSource {
 public:
  explicit PasswdUserSource(UserDb& db) : db_(db) {}
  Result<std::optional<UserRecord>> find(std::string_view name) override;
  Result<std::vector<UserRecord>> all() override;
  std::string describe() const override { return "passwd-file " + db_.path().string(); }

 private:
  UserDb& db_;
};

}  // namespace zest::store
