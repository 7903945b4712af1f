#include "config/config.hpp"

#include <algorithm>
#include <sstream>

#include <toml++/toml.h>

#include "base/text.hpp"
#include "config/config_file.hpp"
#include "interp/cpu_budget.hpp"
#include "interp/ext/extprograms.hpp"
#include "interp/ext_list_name.hpp"
#include "interp/memory_budget.hpp"
#include "interp/registry.hpp"
#include "transport/ext_lists.hpp"

namespace zest::config {
namespace {

// The extprograms keys (pipe_bin_dir, filter_exec_timeout, ...): the kind
// they configure, or nullopt.
std::optional<interp::ProgramKind> program_kind_of_key(std::string_view key) {
  using K = interp::ProgramKind;
  for (K kind : {K::Pipe, K::Filter, K::Execute}) {
    const std::string prefix = std::string(interp::program_kind_name(kind)) + "_";
    if (key.substr(0, prefix.size()) != prefix) continue;
    const std::string_view rest = key.substr(prefix.size());
    if (rest == "bin_dir" || rest == "exec_timeout" || rest == "input_eol" ||
        (kind != K::Pipe && rest == "max_output"))
      return kind;
  }
  return std::nullopt;
}

}  // namespace

namespace {

// [sieve.lists]: one sub-table per RFC 6134 list, named by its URI (or the
// ":addrbook:NAME" shorthand), with one source: file = PATH (one entry per
// line), dovecot_dict = PATH (Pigeonhole's file dict), redis = URL with
// key = SET; an empty table is an empty list. See docs/configuration.md.
Result<std::map<std::string, std::string, std::less<>>> parse_ext_lists(
    const toml::node& node, std::string_view source_name) {
  using R = Result<std::map<std::string, std::string, std::less<>>>;
  auto fail = [&](const toml::node& at, const std::string& what) {
    return R::failure(toml_position(at.source(), source_name) + ": error: [sieve.lists] " + what);
  };
  const toml::table* t = node.as_table();
  if (!t) return fail(node, "must be a table of lists");
  std::map<std::string, std::string, std::less<>> out;
  for (const auto& [key, entry] : *t) {
    const std::string name(key.str());
    auto n = interp::normalize_ext_list_name(name);
    if (!n) return fail(entry, "'" + name + "' is not a valid list name: " + n.error());
    if (out.count(*n)) return fail(entry, "'" + name + "' is defined twice");
    const toml::table* e = entry.as_table();
    if (!e)
      return fail(entry, "'" + name + "' must be a table (file, dovecot_dict or redis + key)");
    std::string source;
    int sources = 0;
    for (const auto& [field, value] : *e) {
      const std::string f(field.str());
      const auto str = value.value<std::string>();
      if (!str || str->empty())
        return fail(value, "'" + name + "'." + f + " must be a non-empty string");
      if (f == "file" || f == "dovecot_dict") {
        source = (f == "file" ? "file:" : "dict:") + *str;
        ++sources;
      } else if (f == "redis") {
        ++sources;
      } else if (f != "key") {
        return fail(value,
                    "'" + name + "': unknown field '" + f + "' (file, dovecot_dict, redis, key)");
      }
    }
    if (sources > 1) return fail(entry, "'" + name + "' has more than one source");
    const auto redis = (*e)["redis"].value<std::string>();
    const auto rkey = (*e)["key"].value<std::string>();
    if (redis) {
      if (!rkey) return fail(entry, "'" + name + "': a redis list needs key = \"SET\"");
      source = "redis:" + *redis + "#" + *rkey;
    } else if (rkey) {
      return fail(entry, "'" + name + "': key is only for redis lists");
    }
    if (auto c = transport::check_ext_list_source(source); !c)
      return fail(entry, "'" + name + "': " + c.error());
    out[std::move(*n)] = std::move(source);
  }
  return out;
}

}  // namespace

Result<interp::EngineSettings> parse_engine_settings(std::string_view text,
                                                     std::string_view source_name) {
  using R = Result<interp::EngineSettings>;
  interp::EngineSettings s;
  toml::table root;
  try {
    root = toml::parse(text, std::string(source_name));
  } catch (const toml::parse_error& e) {
    return R::failure(toml_position(e.source(), source_name) +
                      ": error: " + std::string(e.description()));
  }
  const toml::table* sieve = root["sieve"].as_table();
  if (!sieve) return s;
  // Pigeonhole's sieve_extensions = "+ext -ext" (or a plain list of names),
  // applied after the other keys, to the list of `extensions` when given.
  std::string changes;
  const toml::node* changes_node = nullptr;
  // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
  for (const auto& entry : *sieve) {
    const toml::node& node = entry.second;
    const std::string k(entry.first.str());
    auto bad = [&](std::string_view want) {
      return R::failure(toml_position(node.source(), source_name) + ": error: [sieve] " + k +
                        " must be " + std::string(want));
    };
    auto number = [&](auto& field) -> bool {
      const auto v = node.value_exact<std::int64_t>();
      if (!v || *v < 0) return false;
      field = static_cast<std::remove_reference_t<decltype(field)>>(*v);
      return true;
    };
    if (k == "max_actions") {
      if (!number(s.max_actions)) return bad("a non-negative integer");
    } else if (k == "max_redirects") {
      if (!number(s.max_redirects)) return bad("a non-negative integer");
    } else if (k == "max_script_size") {
      if (!number(s.max_script_size)) return bad("a non-negative integer");
    } else if (k == "max_instructions") {
      if (!number(s.max_instructions)) return bad("a non-negative integer");
    } else if (k == "max_cpu_time") {
      // Seconds as an integer, or a string with a unit ("500ms", "2m").
      std::optional<std::chrono::milliseconds> t;
      if (const auto i = node.value_exact<std::int64_t>(); i && *i >= 0)
        t = std::chrono::milliseconds(*i * 1000);
      else if (const auto str = node.value<std::string>())
        t = interp::parse_cpu_time(*str);
      if (!t) return bad("seconds (an integer) or a duration such as \"500ms\"");
      s.max_cpu_time = *t;
    } else if (k == "max_memory" || k == "max_variable_size") {
      // Bytes as an integer, or a string with a binary unit ("32M", "4k").
      std::optional<std::size_t> bytes;
      if (const auto i = node.value_exact<std::int64_t>(); i && *i >= 0)
        bytes = static_cast<std::size_t>(*i);
      else if (const auto str = node.value<std::string>())
        bytes = interp::parse_memory_size(*str);
      if (!bytes) return bad("bytes (an integer) or a size such as \"32M\"");
      if (k == "max_memory")
        s.max_memory = *bytes;
      else  // the variables extension's setting under its Pigeonhole name
        s.values["variables_max_variable_size"] = std::to_string(*bytes);
    } else if (k == "max_nesting") {
      if (!number(s.max_nesting)) return bad("a non-negative integer");
    } else if (k == "sieve_extensions") {
      const auto v = node.value<std::string>();
      if (!v) return bad("a string such as \"+editheader -vacation\"");
      changes = *v;
      changes_node = &node;
    } else if (k == "extensions") {
      std::set<std::string, std::less<>> exts;
      if (const auto* arr = node.as_array()) {
        for (const auto& e : *arr) {
          const auto v = e.value<std::string>();
          if (!v) return bad("a list of capability strings");
          exts.insert(*v);
        }
      } else {
        return bad("a list of capability strings");
      }
      s.extensions = std::move(exts);
    } else if (k == "global_extensions" || k == "sieve_global_extensions") {
      // Pigeonhole's sieve_global_extensions: a list, or its "+a +b" string.
      std::vector<std::string> names;
      if (const auto* arr = node.as_array()) {
        for (const auto& e : *arr) {
          const auto v = e.value<std::string>();
          if (!v) return bad("a list of capability strings");
          names.push_back(*v);
        }
      } else if (const auto v = node.value<std::string>()) {
        std::istringstream words{*v};
        for (std::string w; words >> w;) names.push_back(w[0] == '+' ? w.substr(1) : w);
      } else {
        return bad("a list of capability strings");
      }
      const interp::Registry registry;
      for (const auto& name : names) {
        if (!registry.extension(name))
          return R::failure(toml_position(node.source(), source_name) + ": error: [sieve] " + k +
                            ": unknown extension '" + name + "'");
        s.global_extensions.insert(name);
      }
    } else if (k == "trace_level") {  // Pigeonhole's sieve_trace_level
      const auto v = node.value<std::string>();
      static constexpr std::string_view kLevels[] = {"none", "actions", "commands", "tests",
                                                     "matching"};
      if (!v || std::find(std::begin(kLevels), std::end(kLevels), base::to_lower(*v)) ==
                    std::end(kLevels))
        return bad("one of \"none\", \"actions\", \"commands\", \"tests\", \"matching\"");
      s.values[k] = base::to_lower(*v);
    } else if (k == "lists") {
      if (auto lists = parse_ext_lists(node, source_name); !lists)
        return R::failure(lists.error());
      else
        s.ext_lists = std::move(*lists);
    } else if (k == "trace_dir" && !node.value<std::string>()) {
      return bad("a directory path (a string)");
    } else if (const auto kind = program_kind_of_key(k)) {
      // vnd.dovecot.pipe/filter/execute (docs/extprograms.md): checked here,
      // with the key's position, rather than when a program first runs.
      if (const auto v = node.value<std::string>())
        s.values[k] = *v;
      else if (const auto i = node.value_exact<std::int64_t>(); i && *i >= 0)
        s.values[k] = std::to_string(*i);
      else
        return bad("a string");
      if (const auto checked = interp::extprogram_settings(s, *kind); !checked)
        return R::failure(toml_position(node.source(), source_name) + ": error: [sieve] " +
                          checked.error());
    } else if (const auto v = node.value<std::string>()) {
      s.values[k] = *v;
    } else if (const auto i = node.value_exact<std::int64_t>()) {
      s.values[k] = std::to_string(*i);
    } else if (const auto b = node.value<bool>()) {
      s.values[k] = *b ? "yes" : "no";
    } else {
      return bad("a string, an integer or a boolean");
    }
  }
  if (changes_node) {
    const interp::Registry registry;
    std::vector<std::string> all;
    for (const auto& e : registry.extensions()) all.push_back(e.name);
    if (auto applied = apply_extension_changes(s, changes, all); !applied)
      return R::failure(toml_position(changes_node->source(), source_name) +
                        ": error: [sieve] sieve_extensions: " + applied.error());
  }
  return s;
}

Result<interp::EngineSettings> load_engine_settings(std::string_view path) {
  auto text = read_config_file(path);
  if (!text) return Result<interp::EngineSettings>::failure(text.error());
  return parse_engine_settings(text.value(), path);
}

Status apply_extension_changes(interp::EngineSettings& settings, std::string_view changes,
                               const std::vector<std::string>& all) {
  std::set<std::string, std::less<>> enabled;
  if (settings.extensions) {
    enabled = *settings.extensions;
  } else {
    // The default set: vnd.dovecot.pipe/filter/execute only with their bin_dir.
    for (const auto& name : all)
      if (settings.extension_enabled(name)) enabled.insert(name);
  }
  std::istringstream words{std::string(changes)};
  std::string w;
  bool replaced = false;
  while (words >> w) {
    const char op = w[0];
    const std::string name = (op == '+' || op == '-') ? w.substr(1) : w;
    if (std::find(all.begin(), all.end(), name) == all.end())
      return Status::failure("unknown extension '" + name + "'");
    if (op == '-') {
      enabled.erase(name);
    } else if (op == '+') {
      enabled.insert(name);
    } else {
      if (!replaced) enabled.clear();
      replaced = true;
      enabled.insert(name);
    }
  }
  settings.extensions = std::move(enabled);
  return Status::success();
}

}  // namespace zest::config
