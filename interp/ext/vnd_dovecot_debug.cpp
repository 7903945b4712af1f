// vnd.dovecot.debug: `debug_log <message>` writes to the host's log.
#include <string>

#include "interp/registry.hpp"
#include "interp/runtime.hpp"

namespace zest::interp {

void register_vnd_dovecot_debug(Registry& r) {
  r.add_extension({"vnd.dovecot.debug"});
  CommandSpec s;
  s.name = "debug_log";
  s.extension = "vnd.dovecot.debug";
  s.positional = {{"message", ArgKind::String}};
  s.run = [](Runtime& rt, const Args& a) {
    const std::string message = rt.string(*a.find(0));
    if (rt.trace_sink() && rt.trace_sink()->debug)
      rt.trace(std::to_string(rt.current_line()) + ": DEBUG: " + message);
    rt.log(LogLevel::Info, message);
  };
  r.add_command(std::move(s));
}

}  // namespace zest::interp
