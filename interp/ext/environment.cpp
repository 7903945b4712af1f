// RFC 5183 environment: the `environment` test. Values come from the host;
// a few items have defaults when the host does not define them.
#include <array>

#include "base/text.hpp"
#include "interp/ext/environment.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"

#ifndef ZEST_VERSION
#define ZEST_VERSION "0.0.0"
#endif

namespace zest::interp {

std::optional<std::string> environment_item(const Runtime& rt, const std::string& name) {
  if (auto v = rt.host().environment(name)) return v;
  if (name == "name") return "zest";
  if (name == "location") return "MDA";
  if (name == "phase") return "during";
  if (name == "version") return ZEST_VERSION;
  return std::nullopt;
}

void register_environment(Registry& r) {
  r.add_extension({"environment"});
  CommandSpec s;
  s.name = "environment";
  s.is_test = true;
  s.extension = "environment";
  s.positional = {{"name", ArgKind::String}, {"key list", ArgKind::StringList}};
  s.groups = {TagGroup::Comparator, TagGroup::MatchType};
  s.test = [](Runtime& rt, const Args& a) {
    // An unknown item matches nothing, not even with :count (RFC 5183 §4).
    const auto value = environment_item(rt, base::to_lower(rt.string(*a.find(0))));
    if (!value) return false;
    const std::vector<std::string> values{*value};
    return rt.match(a, values, rt.strings(a, 1));
  };
  r.add_command(std::move(s));
}

}  // namespace zest::interp
