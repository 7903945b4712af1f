#include "server/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace zest::server {

Result<Identity> service_identity(const config::ServerConfig& cfg) {
  using R = Result<Identity>;
  if (cfg.server_user.empty()) return R::failure("[server] user is empty");
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwnam_r(cfg.server_user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found)
    return R::failure("[server] user " + cfg.server_user + ": no such user");
  Identity id;
  id.uid = pw.pw_uid;
  id.gid = pw.pw_gid;
  id.user = cfg.server_user;
  if (!cfg.server_group.empty()) {
    group gr{};
    group* g = nullptr;
    std::vector<char> gbuf(16384);
    if (::getgrnam_r(cfg.server_group.c_str(), &gr, gbuf.data(), gbuf.size(), &g) != 0 || !g)
      return R::failure("[server] group " + cfg.server_group + ": no such group");
    id.gid = gr.gr_gid;
    id.group = cfg.server_group;
  } else {
    id.group = std::to_string(id.gid);
  }
  return id;
}

bool root_allowed(const config::ServerConfig& cfg) {
  const char* env = std::getenv("ZEST_ALLOW_ROOT");
  return cfg.server_allow_root || (env && std::string_view(env) == "1");
}

Result<std::string> drop_privileges(const config::ServerConfig& cfg) {
  using R = Result<std::string>;
  if (::geteuid() != 0) return "running as uid " + std::to_string(::geteuid());
  if (root_allowed(cfg)) return std::string("running as root ([server] allow_root)");
  auto id = service_identity(cfg);
  const std::string hint = " (create it, or set [server] allow_root = true to run as root)";
  if (!id) return R::failure("refusing to run as root: " + id.error() + hint);
  if (id->uid == 0) return R::failure("refusing to run as root: [server] user is root" + hint);
  auto err = [](const std::string& what) {
    return R::failure("cannot switch user: " + what + ": " + std::strerror(errno));
  };
  if (::initgroups(id->user.c_str(), id->gid) != 0) return err("initgroups");
  if (::setgid(id->gid) != 0) return err("setgid");
  if (::setuid(id->uid) != 0) return err("setuid");
  // The switch must be for good: getting root back has to fail.
  if (::setuid(0) == 0 || ::geteuid() == 0)
    return R::failure("cannot switch user: root privileges could be regained");
  return "switched to user " + id->user + " group " + id->group;
}

}  // namespace zest::server
