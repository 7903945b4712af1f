// RFC 5229 variables: the `set` command with its modifiers, the `string`
// test, expansion of "${...}" references in template strings, match
// variables and the namespace and modifier hooks of variables.hpp.
#include "interp/ext/variables.hpp"
#include "base/text.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include "base/utf8.hpp"
#include "interp/checker.hpp"
#include "interp/runtime.hpp"

namespace zest::interp::variables {
namespace {

constexpr Slot kName = 0, kValue = 1;
constexpr Slot kFirstModifierSlot = 16;

struct Tables {
  std::vector<Namespace> namespaces;
  std::vector<Modifier> modifiers;  // tag slot = kFirstModifierSlot + index
};

// The local variables of one script run, by lower-case name.
struct Store {
  std::map<std::string, std::string, std::less<>> values;
};

// Names declared by `set` during one compilation (scope size limit).
struct Declared {
  std::vector<std::string> names;
  bool reported = false;
};

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// A digit string as an index, saturating (leading zeros are allowed).
std::size_t to_index(std::string_view digits) {
  std::size_t n = 0;
  for (char c : digits) {
    n = n * 10 + static_cast<std::size_t>(c - '0');
    if (n > 1'000'000) return 1'000'000;
  }
  return n;
}

std::size_t setting_size(const EngineSettings& settings, std::string_view key,
                         std::size_t fallback) {
  const std::string v = settings.value(key);
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || v.empty()) return fallback;
  const std::string_view unit(end, static_cast<std::size_t>(v.data() + v.size() - end));
  if (unit.empty()) return n;
  if (unit == "k" || unit == "K") return n << 10;
  if (unit == "m" || unit == "M") return n << 20;
  return fallback;
}

std::vector<std::string_view> split_dots(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = s.find('.', start);
    out.push_back(s.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

// A well-formed reference "${body}" (RFC 5229 §3): a number, an identifier,
// or a namespace (identifier) followed by identifiers or numbers.
struct Ref {
  std::size_t begin = 0, end = 0;  // of the whole "${...}"
  std::string_view body;
};

bool valid_body(std::string_view body) {
  const auto parts = split_dots(body);
  if (parts.size() == 1) return is_identifier(parts[0]) || is_digits(parts[0]);
  if (!is_identifier(parts[0])) return false;
  for (std::size_t i = 1; i < parts.size(); ++i)
    if (!is_identifier(parts[i]) && !is_digits(parts[i])) return false;
  return true;
}

std::optional<Ref> next_ref(std::string_view s, std::size_t from) {
  for (std::size_t i = s.find("${", from); i != std::string_view::npos; i = s.find("${", i + 1)) {
    std::size_t j = i + 2;
    while (j < s.size() && (name_char(s[j]) || s[j] == '.')) ++j;
    if (j < s.size() && s[j] == '}' && valid_body(s.substr(i + 2, j - i - 2)))
      return Ref{i, j + 1, s.substr(i + 2, j - i - 2)};
  }
  return std::nullopt;
}

const Namespace* find_namespace(const Registry& r, std::string_view name) {
  const Tables* t = r.find_extension_data<Tables>();
  if (!t) return nullptr;
  const std::string l = base::to_lower(name);
  for (const auto& ns : t->namespaces)
    if (ns.name == l) return &ns;
  return nullptr;
}

// Compile-time checks of the references in a template string.
void check_template(CheckContext& ctx, const grammar::Location& loc, std::string_view s) {
  for (auto ref = next_ref(s, 0); ref; ref = next_ref(s, ref->end)) {
    if (is_digits(ref->body)) {
      if (to_index(ref->body) > kMaxMatchIndex)
        ctx.error(loc, "match value index " + std::string(ref->body) + " is too high (max " +
                           std::to_string(kMaxMatchIndex) + ")");
      continue;
    }
    if (auto err = check_name(ctx, ref->body, false)) ctx.error(loc, *err);
  }
}

std::string apply_case(std::string_view v, bool upper) {
  return upper ? base::to_upper(v) : base::to_lower(v);
}

std::string apply_first(std::string_view v, bool upper) {
  std::string out(v);
  if (!out.empty()) out[0] = upper ? base::ascii_upper(out[0]) : base::ascii_lower(out[0]);
  return out;
}

// Escapes '*', '?' and '\'; stops before an escaped character would not
// fit, so that truncation never leaves a dangling backslash.
std::string quote_wildcards(std::string_view v, const EngineSettings& settings) {
  const std::size_t max = max_variable_size(settings);
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    const bool special = c == '*' || c == '?' || c == '\\';
    if (out.size() + (special ? 2 : 1) > max) break;
    if (special) out += '\\';
    out += c;
  }
  return out;
}

void add_modifier_tag(Registry& r, const Tables& t, std::size_t index) {
  if (CommandSpec* set = r.mutable_command("set", false))
    set->tags.push_back({t.modifiers[index].name,
                         static_cast<Slot>(kFirstModifierSlot + index),
                         ArgKind::None,
                         {},
                         t.modifiers[index].extension});
}

void check_set(CheckContext& ctx, CheckedCall& call) {
  const Tables* t = ctx.registry().find_extension_data<Tables>();
  // Two modifiers of one precedence conflict (RFC 5229 §4.1).
  std::vector<const Modifier*> used;
  for (std::size_t i = 0; t && i < t->modifiers.size(); ++i)
    if (call.find(static_cast<Slot>(kFirstModifierSlot + i))) used.push_back(&t->modifiers[i]);
  for (std::size_t i = 0; i < used.size(); ++i)
    for (std::size_t j = i + 1; j < used.size(); ++j)
      if (used[i]->precedence == used[j]->precedence)
        ctx.error(call.loc, "modifiers :" + std::string(used[i]->name) +
                                " and :" + std::string(used[j]->name) +
                                " specified for the set command conflict having equal precedence");

  const CheckedArg* name = call.find(kName);
  if (!name) return;
  if (auto err = check_name(ctx, name->str(), true)) {
    ctx.error(name->loc, *err);
    return;
  }
  if (name->str().find('.') != std::string::npos) return;  // not a local variable
  auto& declared = ctx.state<Declared>();
  const std::string l = base::to_lower(name->str());
  if (std::find(declared.names.begin(), declared.names.end(), l) != declared.names.end()) return;
  declared.names.push_back(l);
  if (declared.names.size() > max_scope_size(ctx.settings()) && !declared.reported) {
    declared.reported = true;
    ctx.error(name->loc, "number of variables exceeds the maximum (" +
                             std::to_string(max_scope_size(ctx.settings())) + ")");
  }
}

void run_set(Runtime& rt, const Args& a) {
  set(rt, rt.raw(*a.find(kName)), apply_modifiers(rt, a, rt.string(*a.find(kValue))));
}

}  // namespace

bool is_identifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), name_char);
}

std::size_t max_variable_size(const EngineSettings& settings) {
  return setting_size(settings, "variables_max_variable_size", kDefaultMaxVariableSize);
}

std::size_t max_scope_size(const EngineSettings& settings) {
  return setting_size(settings, "variables_max_scope_size", kDefaultMaxScopeSize);
}

void add_namespace(Registry& registry, Namespace ns) {
  ns.name = base::to_lower(ns.name);
  registry.extension_data<Tables>().namespaces.push_back(std::move(ns));
}

void add_modifier(Registry& registry, Modifier modifier) {
  Tables& t = registry.extension_data<Tables>();
  t.modifiers.push_back(std::move(modifier));
  add_modifier_tag(registry, t, t.modifiers.size() - 1);
}

std::optional<std::string> check_name(const CheckContext& ctx, std::string_view name, bool assign) {
  const auto parts = split_dots(name);
  const std::string quoted = "'" + std::string(name) + "'";
  if (parts.size() == 1) {
    if (is_digits(name)) {
      if (assign) return "cannot assign to match variable " + quoted;
      return std::nullopt;
    }
    if (!is_identifier(name)) return "invalid variable name " + quoted;
    if (name.size() > kMaxNameLength)
      return "variable name " + quoted + " is too long (max " + std::to_string(kMaxNameLength) +
             " characters)";
    return std::nullopt;
  }
  for (std::size_t i = 0; i < parts.size(); ++i)
    if (!(is_identifier(parts[i]) || (i > 0 && is_digits(parts[i]))))
      return "invalid variable name " + quoted;
  const Namespace* ns = find_namespace(ctx.registry(), parts[0]);
  if (!ns || (!ns->extension.empty() && !ctx.has(ns->extension)))
    return "unknown variable namespace '" + std::string(parts[0]) + "' in variable name " + quoted;
  if (parts.size() > kMaxNamespaceElements + 1)
    return "variable name " + quoted + " has too many namespace elements";
  if (assign && !ns->set) return "cannot assign to variable " + quoted;
  if (ns->check) return ns->check(name.substr(parts[0].size() + 1), assign);
  return std::nullopt;
}

std::string get(const Runtime& rt, std::string_view name) {
  if (const auto dot = name.find('.'); dot != std::string_view::npos) {
    const Namespace* ns = find_namespace(rt.registry(), name.substr(0, dot));
    return ns && ns->get ? ns->get(rt, name.substr(dot + 1)) : std::string();
  }
  if (const auto* g = rt.find_state<GlobalAliases>();
      g && std::find(g->names.begin(), g->names.end(), base::to_lower(name)) != g->names.end())
    return get(rt, "global." + std::string(name));
  const Store* store = rt.find_state<Store>();
  if (!store) return {};
  auto it = store->values.find(base::to_lower(name));
  return it == store->values.end() ? std::string() : it->second;
}

void set(Runtime& rt, std::string_view name, std::string value) {
  const std::size_t max = max_variable_size(rt.settings());
  if (value.size() > max) value.resize(base::utf8_truncate(value, max).size());
  if (const auto dot = name.find('.'); dot != std::string_view::npos) {
    const Namespace* ns = find_namespace(rt.registry(), name.substr(0, dot));
    if (ns && ns->set) {
      const std::size_t old = ns->get ? ns->get(rt, name.substr(dot + 1)).size() : 0;
      rt.memory_budget().hold(old, value.size());
      ns->set(rt, name.substr(dot + 1), std::move(value));
    }
    return;
  }
  if (const auto* g = rt.find_state<GlobalAliases>();
      g && std::find(g->names.begin(), g->names.end(), base::to_lower(name)) != g->names.end()) {
    set(rt, "global." + std::string(name), std::move(value));
    return;
  }
  std::string& slot = rt.state<Store>().values[base::to_lower(name)];
  rt.memory_budget().hold(slot.size(), value.size());
  slot = std::move(value);
}

std::string apply_modifiers(const Runtime& rt, const Args& a, std::string value) {
  const Tables* t = rt.registry().find_extension_data<Tables>();
  std::vector<const Modifier*> used;
  for (std::size_t i = 0; t && i < t->modifiers.size(); ++i)
    if (a.has(static_cast<Slot>(kFirstModifierSlot + i))) used.push_back(&t->modifiers[i]);
  std::stable_sort(used.begin(), used.end(), [](const Modifier* x, const Modifier* y) {
    return x->precedence > y->precedence;
  });
  for (const Modifier* m : used) value = m->apply(value, rt.settings());
  return value;
}

std::vector<TagSpec> modifier_tags(const Registry& registry) {
  std::vector<TagSpec> out;
  const Tables* t = registry.find_extension_data<Tables>();
  for (std::size_t i = 0; t && i < t->modifiers.size(); ++i)
    out.push_back({t->modifiers[i].name,
                   static_cast<Slot>(kFirstModifierSlot + i),
                   ArgKind::None,
                   {},
                   t->modifiers[i].extension});
  return out;
}

// The values substituted into one string add at most max_variable_size
// bytes to it (the limit of `set`; issue 15): "${a}${a}..." repeated
// thousands of times cannot build more than the literal text plus one
// variable's worth. A value that does not fit is cut at a character
// boundary, as `set` cuts.
std::string expand(const Runtime& rt, std::string_view s) {
  std::size_t room = max_variable_size(rt.settings());
  std::string out;
  std::size_t at = 0;
  auto substitute = [&](std::string_view v) {
    if (v.size() > room) {
      out.append(base::utf8_truncate(v, room));
      room = 0;  // nothing more is substituted once a value was cut
      return;
    }
    room -= v.size();
    out.append(v);
  };
  for (auto ref = next_ref(s, 0); ref; ref = next_ref(s, ref->end)) {
    out.append(s.substr(at, ref->begin - at));
    at = ref->end;
    if (room == 0) continue;
    if (is_digits(ref->body)) {
      const std::size_t i = to_index(ref->body);
      const auto& m = rt.match_values();
      if (i < m.size()) substitute(m[i]);
    } else {
      substitute(get(rt, ref->body));
    }
  }
  out.append(s.substr(at));
  return out;
}

}  // namespace zest::interp::variables

namespace zest::interp {

void register_variables(Registry& r) {
  using variables::Modifier;
  r.add_extension({"variables"});
  r.set_expander([](const Runtime& rt, std::string_view s) { return variables::expand(rt, s); });
  r.set_template_check(variables::check_template);

  {
    CommandSpec s;
    s.name = "set";
    s.extension = "variables";
    s.positional = {{"name", ArgKind::String}, {"value", ArgKind::String}};
    s.literal_slots = {variables::kName};
    s.check = variables::check_set;
    s.run = variables::run_set;
    r.add_command(std::move(s));
  }
  // Modifiers known before `set` existed get their tags now.
  auto& tables = r.extension_data<variables::Tables>();
  for (std::size_t i = 0; i < tables.modifiers.size(); ++i)
    variables::add_modifier_tag(r, tables, i);
  auto builtin = [&r](std::string_view name, int precedence, auto fn) {
    variables::add_modifier(r, Modifier{name, precedence, "variables", fn});
  };
  builtin("lower", 40, [](std::string_view v, const EngineSettings&) {
    return variables::apply_case(v, false);
  });
  builtin("upper", 40,
          [](std::string_view v, const EngineSettings&) { return variables::apply_case(v, true); });
  builtin("lowerfirst", 30, [](std::string_view v, const EngineSettings&) {
    return variables::apply_first(v, false);
  });
  builtin("upperfirst", 30, [](std::string_view v, const EngineSettings&) {
    return variables::apply_first(v, true);
  });
  builtin("quotewildcard", 20, variables::quote_wildcards);
  // :encodeurl (precedence 15) comes from enotify through add_modifier.
  builtin("length", 10, [](std::string_view v, const EngineSettings&) {
    return std::to_string(base::utf8_length(v));
  });

  {
    CommandSpec s;
    s.name = "string";
    s.is_test = true;
    s.extension = "variables";
    s.positional = {{"source", ArgKind::StringList}, {"key list", ArgKind::StringList}};
    s.groups = {TagGroup::Comparator, TagGroup::MatchType};
    s.test = [](Runtime& rt, const Args& a) {
      std::vector<std::string> values = rt.strings(a, 0);
      // :count counts only non-empty strings (RFC 5229 §5).
      if (static_cast<MatchType>(a.number(kSlotMatchType)) == MatchType::Count)
        std::erase_if(values, [](const std::string& v) { return v.empty(); });
      // i;octet by default, as Pigeonhole (and its testsuite) does for `string`.
      return rt.match(a, values, rt.strings(a, 1), &octet_comparator());
    };
    r.add_command(std::move(s));
  }
}

}  // namespace zest::interp
