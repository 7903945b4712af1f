// RFC 5463 ihave: the `ihave` test and the `error` command. The compiler
// compiles a block guarded by `if ihave` with the capabilities required
// (or skips it when one is unavailable), using ihave_available().
#include <algorithm>
#include <array>

#include "interp/checker.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"

namespace zest::interp {

bool ihave_available(const Registry& registry, const EngineSettings& settings,
                     std::string_view capability) {
  // These change how every string of the script is read, so they cannot be
  // switched on for one block (as Pigeonhole restricts them).
  constexpr std::array<std::string_view, 2> kRestricted = {"encoded-character", "variables"};
  if (std::find(kRestricted.begin(), kRestricted.end(), capability) != kRestricted.end())
    return false;
  if (settings.personal && settings.restricted_to_global(capability)) return false;
  return registry.extension(capability) != nullptr && settings.extension_enabled(capability);
}

void register_ihave(Registry& r) {
  r.add_extension({"ihave"});
  {
    CommandSpec s;
    s.name = "ihave";
    s.is_test = true;
    s.extension = "ihave";
    s.positional = {{"capabilities", ArgKind::StringList}};
    s.literal_slots = {0};
    s.test = [](Runtime& rt, const Args& a) {
      for (const auto& cap : rt.strings(a, 0))
        if (!ihave_available(rt.registry(), rt.settings(), cap)) return false;
      return true;
    };
    r.add_command(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "error";
    s.extension = "ihave";
    s.positional = {{"message", ArgKind::String}};
    s.run = [](Runtime& rt, const Args& a) { rt.fail(rt.string(*a.find(0))); };
    r.add_command(std::move(s));
  }
}

}  // namespace zest::interp
