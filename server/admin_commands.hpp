// The administration commands of `zest`, like `doveadm sieve|quota|auth|user`:
// they act on a user's files directly, with the rules ManageSieve applies
// (script names, compile check, [managesieve] quotas, atomic replacement),
// log each change (base/log_events.def) and print text or --json. Exit
// codes: server/admin_output.hpp.
#pragma once

#include <string>

#include "config/server_config.hpp"
#include "server/logger.hpp"

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
int sieve_command(const config::ServerConfig& cfg, const SieveArgs& args, Logger& log);

// `zest quota get|recalc -u USER`.
int quota_command(const config::ServerConfig& cfg, const std::string& action,
                  const std::string& user, bool json, const std::string& admin, Logger& log);

// `zest auth test USER`: the password is one line on standard input.
int auth_test(const config::ServerConfig& cfg, const std::string& user, bool json);

// `zest user show USER`.
int user_show(const config::ServerConfig& cfg, const std::string& user, bool json);

}  // namespace zest::server::admin
