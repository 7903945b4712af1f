// vnd.dovecot.environment: Pigeonhole's extra environment items
// (vnd.dovecot.default-mailbox, vnd.dovecot.username, and
// vnd.dovecot.config.NAME from the sieve_env_NAME settings) and the `env`
// variable namespace that reads any environment item ("${env.phase}").
#include <string>

#include "base/text.hpp"
#include "interp/ext/environment.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"

#if __has_include("interp/ext/variables.hpp")
#include "interp/ext/variables.hpp"
#define ZEST_VND_ENV_HAVE_VARIABLES 1
#endif

namespace zest::interp {
namespace {

constexpr std::string_view kExt = "vnd.dovecot.environment";

// The items this extension adds; nullopt for any other name.
std::optional<std::string> vnd_item(const Runtime& rt, const std::string& name) {
  constexpr std::string_view kConfig = "vnd.dovecot.config.";
  if (name == "vnd.dovecot.default-mailbox") {
    if (auto v = rt.host().environment(name)) return v;
    return "INBOX";
  }
  if (name == "vnd.dovecot.username") {
    if (auto v = rt.host().environment(name)) return v;
    if (!rt.envelope().auth.empty()) return rt.envelope().auth;
    return std::nullopt;
  }
  if (name.rfind(kConfig, 0) == 0) {
    auto it = rt.settings().values.find("env_" + name.substr(kConfig.size()));
    if (it != rt.settings().values.end()) return it->second;
    return std::nullopt;
  }
  return std::nullopt;
}

// Any environment item, as the environment test sees it.
std::optional<std::string> any_item(const Runtime& rt, const std::string& name) {
  if (auto v = vnd_item(rt, name)) return v;
  return environment_item(rt, name);
}

}  // namespace

void register_vnd_dovecot_environment(Registry& r) {
  r.add_extension({std::string(kExt), {"environment"}});

  // The environment test learns the vnd.dovecot.* items.
  if (CommandSpec* env = r.mutable_command("environment", true)) {
    TestHandler inner = env->test;
    env->test = [inner](Runtime& rt, const Args& a) {
      if (rt.settings().extension_enabled(kExt)) {
        const std::string name = base::to_lower(rt.string(*a.find(0)));
        if (auto v = vnd_item(rt, name)) {
          const std::vector<std::string> values{*v};
          return rt.match(a, values, rt.strings(a, 1));
        }
      }
      return inner ? inner(rt, a) : false;
    };
  }

#ifdef ZEST_VND_ENV_HAVE_VARIABLES
  variables::Namespace ns;
  ns.name = "env";
  ns.extension = std::string(kExt);
  ns.check = [](std::string_view, bool assign) -> std::optional<std::string> {
    if (assign) return "cannot assign to environment variable";
    return std::nullopt;
  };
  ns.get = [](const Runtime& rt, std::string_view rest) {
    // Variable names cannot hold '-': "default_mailbox" reads
    // "default-mailbox".
    std::string name = base::to_lower(rest);
    if (auto v = any_item(rt, name)) return *v;
    for (char& c : name)
      if (c == '_') c = '-';
    return any_item(rt, name).value_or("");
  };
  variables::add_namespace(r, std::move(ns));
#endif
}

}  // namespace zest::interp
