// Who zestd and the zest CLI run as: [server] user / group / allow_root.
// Started as root they switch to the service account for good (Dovecot's
// vmail model: one account owns every virtual user's mail).
#pragma once

#include <sys/types.h>

#include <string>

#include "base/result.hpp"
#include "config/server_config.hpp"

namespace zest::server {

struct Identity {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string user, group;
};

// The service account of `cfg`, looked up in the system's user database.
Result<Identity> service_identity(const config::ServerConfig& cfg);

// [server] allow_root, or ZEST_ALLOW_ROOT=1 in the environment (test harnesses).
bool root_allowed(const config::ServerConfig& cfg);

// Not root: nothing to change. Root: switch to the service account
// (supplementary groups, group, then user; irreversibly), or stay root
// when that is allowed explicitly; refuse otherwise. The success value
// says what happened, for the log.
Result<std::string> drop_privileges(const config::ServerConfig& cfg);

}  // namespace zest::server
