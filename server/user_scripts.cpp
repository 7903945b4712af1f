#include "server/user_scripts.hpp"

namespace zest::server {

store::ScriptQuota script_quota(const config::ServerConfig& cfg) {
  return {static_cast<std::uint64_t>(cfg.managesieve_max_scripts),
          static_cast<std::uint64_t>(cfg.managesieve_max_script_size),
          static_cast<std::uint64_t>(cfg.managesieve_max_total_size)};
}

store::SieveHome sieve_home(const config::ServerConfig& cfg, const store::UserEntry& user) {
  return store::SieveHome{store::home_of(user, cfg.data_dir)};
}

std::unique_ptr<store::FsScriptStore> open_script_store(const config::ServerConfig& cfg,
                                                        const store::UserEntry& user) {
  return std::make_unique<store::FsScriptStore>(sieve_home(cfg, user), script_quota(cfg));
}

}  // namespace zest::server
