#include "userdb/user_setup.hpp"

#include "userdb/sql_source.hpp"

namespace zest::userdb {
namespace {

class BrokenUserSource final : public store::UserSource {
 public:
  explicit BrokenUserSource(std::string error) : error_(std::move(error)) {}
  Result<std::optional<store::UserRecord>> find(std::string_view) override {
    return Result<std::optional<store::UserRecord>>::failure(error_);
  }
  Result<std::vector<store::UserRecord>> all() override {
    return Result<std::vector<store::UserRecord>>::failure(error_);
  }
  std::string describe() const override { return "unusable user database"; }

 private:
  std::string error_;
};

}  // namespace

store::LockSettings maildir_lock_settings(const config::ServerConfig& c) {
  store::LockSettings s;
  s.wait = std::chrono::seconds(c.maildir_lock_timeout);
  s.stale = std::chrono::seconds(c.maildir_stale_lock_timeout);
  s.method = c.maildir_lock_method == "link" ? store::LockMethod::Link : store::LockMethod::Excl;
  return s;
}

store::PathTemplates path_templates(const config::ServerConfig& c) {
  store::PathTemplates t;
  t.data_dir = c.data_dir;
  t.home = c.users_home;
  t.mail = c.users_mail;
  t.sieve_dir = c.users_sieve_dir;
  t.sieve_active = c.users_sieve_active;
  t.quota_storage = static_cast<std::uint64_t>(c.quota_storage);
  return t;
}

std::unique_ptr<store::UserSource> make_user_source(const config::ServerConfig& cfg,
                                                    store::UserDb& passwd, std::string& error) {
  if (cfg.auth_driver != "sql") return std::make_unique<store::PasswdUserSource>(passwd);
  userdb::SqlSettings s;
  s.driver = cfg.sql_driver;
  s.connect = cfg.sql_connect;
  s.password_query = cfg.sql_password_query;
  s.user_query = cfg.sql_user_query;
  s.iterate_query = cfg.sql_iterate_query;
  s.default_pass_scheme = cfg.sql_default_pass_scheme;
  auto made = userdb::make_sql_user_source(s);
  if (made) return std::move(made.value());
  error = made.error();
  return std::make_unique<BrokenUserSource>(error);
}

}  // namespace zest::userdb
