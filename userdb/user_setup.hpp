// The user lookup a configuration asks for ([auth] driver: the passwd-file
// or [sql]) and its path templates ([users], data_dir, [quota] storage):
// the one place zestd, zest and the tools (sieve-filter -u) build it from.
#pragma once

#include <memory>
#include <string>

#include "config/server_config.hpp"
#include "store/dotlock.hpp"
#include "store/passwd.hpp"
#include "store/user_paths.hpp"
#include "store/user_source.hpp"

namespace zest::userdb {

store::PathTemplates path_templates(const config::ServerConfig& cfg);

// [maildir] lock_timeout, stale_lock_timeout and lock_method.
store::LockSettings maildir_lock_settings(const config::ServerConfig& cfg);

// Never null. Nothing is opened or connected yet (zestd builds it before it
// drops privileges). A configuration that cannot work (a query with a
// placeholder inside a string literal) gives a source whose every lookup
// fails, and the reason in `error` (zestd --check-config reports it).
std::unique_ptr<store::UserSource> make_user_source(const config::ServerConfig& cfg,
                                                    store::UserDb& passwd, std::string& error);

}  // namespace zest::userdb
