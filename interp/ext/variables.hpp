// The variables extension (RFC 5229) as seen by other extensions: variable
// storage of a run, namespaces ("${tst.path}", include's "global") and
// extra `set` modifiers (enotify's :encodeurl).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "interp/registry.hpp"
#include "interp/settings.hpp"

namespace zest::interp {
class Runtime;
class CheckContext;
}  // namespace zest::interp

namespace zest::interp::variables {

inline constexpr std::size_t kMaxNameLength = 64;         // as Pigeonhole
inline constexpr std::size_t kMaxMatchIndex = 32;         // ${0}..${32} may be written
inline constexpr std::size_t kMaxNamespaceElements = 4;   // "ns.sub.sub.name"
inline constexpr std::size_t kDefaultMaxScopeSize = 255;  // declared variables per script
inline constexpr std::size_t kDefaultMaxVariableSize = 4096;

// A namespace of variables "${ns.rest}". Names are compared in lower case.
struct Namespace {
  std::string name;       // lower case: "tst", "global"
  std::string extension;  // capability that must be required ("" = always)
  // Compile time: an error message for a bad name below the namespace.
  std::function<std::optional<std::string>(std::string_view rest, bool assign)> check;
  std::function<std::string(const Runtime&, std::string_view rest)> get;
  // Empty when the namespace cannot be assigned.
  std::function<void(Runtime&, std::string_view rest, std::string value)> set;
};

// A modifier of the `set` command. Modifiers of equal precedence conflict;
// higher precedence is applied first (RFC 5229 §4.1).
struct Modifier {
  std::string_view name;  // without ':'; must outlive the registry (a literal)
  int precedence = 0;
  std::string_view extension;  // capability that provides it
  std::function<std::string(std::string_view value, const EngineSettings&)> apply;
};

// Runtime state of a script that declared names `global` (RFC 6609
// include): those plain names are read and written as "global.<name>".
struct GlobalAliases {
  std::vector<std::string> names;  // lower case
};

void add_namespace(Registry& registry, Namespace ns);
void add_modifier(Registry& registry, Modifier modifier);

// [A-Za-z_][A-Za-z0-9_]*
bool is_identifier(std::string_view s);
std::size_t max_variable_size(const EngineSettings& settings);
std::size_t max_scope_size(const EngineSettings& settings);

// Compile time: an error message when `name` cannot name a variable (to
// assign when `assign`), considering the namespaces available in `ctx`.
std::optional<std::string> check_name(const CheckContext& ctx, std::string_view name, bool assign);

// Run time access by name ("name" or "ns.rest"); reading an unset variable
// gives "". Assigned values are truncated to the size limit.
std::string get(const Runtime& rt, std::string_view name);
void set(Runtime& rt, std::string_view name, std::string value);

// Applies the `set` modifiers tagged in `a` (same slots as on `set`) to a
// value, highest precedence first (extracttext shares them).
std::string apply_modifiers(const Runtime& rt, const Args& a, std::string value);
// The tags of the `set` modifiers, for commands that accept them too.
std::vector<TagSpec> modifier_tags(const Registry& registry);

// Expands the variable references of a string once (no re-scan).
std::string expand(const Runtime& rt, std::string_view s);

}  // namespace zest::interp::variables
