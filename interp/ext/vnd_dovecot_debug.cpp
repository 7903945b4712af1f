// vnd.dovecot.debug: `debug_log <message>` writes to the host's log.
#include "interp/registry.hpp"
#include "interp/runtime.hpp"

namespace zest::interp {

void register_vnd_dovecot_debug(Registry& r) {
  r.add_extension({"vnd.dovecot.debug"});
  CommandSpec s;
  s.name = "debug_log";
  s.extension = "vnd.dovecot.debug";
  s.positional = {{"message", ArgKind::String}};
  s.run = [](Runtime& rt, const Args& a) { rt.log(LogLevel::Info, rt.string(*a.find(0))); };
  r.add_command(std::move(s));
}

}  // namespace zest::interp
