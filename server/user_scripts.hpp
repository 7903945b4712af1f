// A user's ManageSieve script store with the [managesieve] quotas: the one
// ManageSieve sessions and `zest sieve ...` both open, so both apply the
// same limits to the same files.
#pragma once

#include <memory>

#include "config/server_config.hpp"
#include "store/script_store.hpp"
#include "store/user_paths.hpp"

namespace zest::server {

// [managesieve] max_scripts, max_script_size, max_total_size.
store::ScriptQuota script_quota(const config::ServerConfig& cfg);

// The scripts where the user's paths say (store::lookup_user: the user
// database's fields and the [users] templates).
std::unique_ptr<store::FsScriptStore> open_script_store(const config::ServerConfig& cfg,
                                                        const store::UserPlace& user);

}  // namespace zest::server
