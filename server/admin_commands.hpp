// The administration commands of `zest`, like `doveadm sieve|quota|auth|user`:
// they act on a user's files directly, with the rules ManageSieve applies
// (script names, compile check, [managesieve] quotas, atomic replacement),
// log each change (base/log_events.def) and print text or --json. Exit
// codes: server/admin_output.hpp.
#pragma once

#include <string>
#include <variant>

#include "config/server_config.hpp"
#include "server/logger.hpp"
#include "store/user_paths.hpp"
#include "store/user_source.hpp"

namespace zest::server::admin {

struct SieveArgs {
  std::string action;  // list get put activate deactivate delete rename check
  std::string user;
  std::string name, new_name;
  std::string file;       // put/check: the script ("-" or empty: standard input)
  bool activate = false;  // put -a
  bool json = false;
  std::string admin;  // who ran the command, for the log
};
// The user as delivery and ManageSieve see them: the [auth] driver's
// database (passwd-file or SQL) and the [users] templates. Otherwise the exit
// code, after printing why: 67 no such user or a refused name, 75 the
// database did not answer, 78 a home or mail template that cannot work.
std::variant<store::UserPlace, int> find_user(store::UserSource& source,
                                              const store::PathTemplates& paths,
                                              const std::string& name, bool json);

int sieve_command(const config::ServerConfig& cfg, const SieveArgs& args, Logger& log);

// `zest quota get|recalc -u USER`.
int quota_command(const config::ServerConfig& cfg, const std::string& action,
                  const std::string& user, bool json, const std::string& admin, Logger& log);

// `zest auth test USER`: the password is one line on standard input.
int auth_test(const config::ServerConfig& cfg, const std::string& user, bool json);

// `zest user show USER`.
int user_show(const config::ServerConfig& cfg, const std::string& user, bool json);

// `zest migrate-config [FILE]`: a Dovecot configuration (the files, or
// `doveconf -n` output; "-" or empty: standard input) printed as zest TOML.
// Needs no zest configuration.
int migrate_config(const std::string& file);

}  // namespace zest::server::admin
