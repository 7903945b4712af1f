#include "server/user_scripts.hpp"

namespace zest::server {

store::ScriptQuota script_quota(const config::ServerConfig& cfg) {
  return {static_cast<std::uint64_t>(cfg.managesieve_max_scripts),
          static_cast<std::uint64_t>(cfg.managesieve_max_script_size),
          static_cast<std::uint64_t>(cfg.managesieve_max_total_size)};
}

std::unique_ptr<store::FsScriptStore> open_script_store(const config::ServerConfig& cfg,
                                                        const store::UserPlace& user) {
  return std::make_unique<store::FsScriptStore>(user.where, script_quota(cfg));
}

}  // namespace zest::server
