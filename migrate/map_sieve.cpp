// Pigeonhole's plugin { sieve_* } settings: script locations, admin
// scripts, the extension set, limits, and the extension settings zest
// reads under the same names without "sieve_".
#include <algorithm>
#include <map>
#include <set>

#include "base/text.hpp"
#include "interp/registry.hpp"
#include "migrate/dovecot_values.hpp"
#include "migrate/mapper.hpp"
#include "migrate/zest_keys.hpp"

namespace zest::migrate {
namespace {

// Pigeonhole 0.5's default sieve_extensions (the "extra" and vnd.dovecot
// ones must be enabled explicitly), plus the comparators that are always there.
const std::set<std::string> kPigeonholeDefault = {"fileinto",
                                                  "reject",
                                                  "envelope",
                                                  "encoded-character",
                                                  "vacation",
                                                  "subaddress",
                                                  "comparator-i;ascii-numeric",
                                                  "relational",
                                                  "regex",
                                                  "imap4flags",
                                                  "copy",
                                                  "include",
                                                  "body",
                                                  "variables",
                                                  "enotify",
                                                  "environment",
                                                  "mailbox",
                                                  "date",
                                                  "index",
                                                  "ihave",
                                                  "duplicate",
                                                  "mime",
                                                  "foreverypart",
                                                  "extracttext",
                                                  "comparator-i;octet",
                                                  "comparator-i;ascii-casemap"};

const std::set<std::string>& zest_extensions() {
  static const std::set<std::string> all = [] {
    std::set<std::string> s;
    const interp::Registry r;
    for (const auto& e : r.extensions()) s.insert(e.name);
    return s;
  }();
  return all;
}

// Pigeonhole's "+ext -ext" / "ext ext" forms applied to `base`; names zest
// does not have go to `unknown`.
std::set<std::string> apply(std::set<std::string> base, std::string_view spec,
                            std::vector<std::string>& unknown) {
  std::vector<std::string> words;
  std::string w;
  for (char c : spec) {
    if (base::is_space(c)) {
      if (!w.empty()) words.push_back(w);
      w.clear();
    } else {
      w += c;
    }
  }
  if (!w.empty()) words.push_back(w);
  const bool replace = std::any_of(words.begin(), words.end(),
                                   [](const std::string& x) { return x[0] != '+' && x[0] != '-'; });
  if (replace) base = {"comparator-i;octet", "comparator-i;ascii-casemap"};
  for (const auto& x : words) {
    const char op = x[0];
    const std::string name = (op == '+' || op == '-') ? x.substr(1) : x;
    if (!zest_extensions().count(name)) {
      unknown.push_back(name);
      continue;
    }
    if (op == '-')
      base.erase(name);
    else
      base.insert(name);
  }
  return base;
}

void extensions(Mapper& m) {
  const Setting* user = m.get("plugin", "sieve_extensions");
  const Setting* global = m.get("plugin", "sieve_global_extensions");
  std::vector<std::string> unknown;
  std::set<std::string> base;
  for (const auto& e : kPigeonholeDefault)
    if (zest_extensions().count(e)) base.insert(e);
  std::set<std::string> set = user ? apply(base, user->value, unknown) : base;
  std::set<std::string> g;
  if (global) g = apply({}, global->value, unknown);
  // An extension in both lists is global-only, as in Pigeonhole.
  for (const auto& e : g) set.erase(e);
  std::vector<const Setting*> from;
  if (user) from.push_back(user);
  std::string note = user ? "sieve_extensions applied to Pigeonhole's default set"
                          : "Pigeonhole's default set (zest's own default is every extension)";
  if (!g.empty()) {
    const std::vector<const Setting*> from_global{global};
    m.out.set("sieve", "global_extensions", toml_list({g.begin(), g.end()}), from_global,
              "only the administrator's scripts (sieve_before/after) may use them");
  }
  if (!unknown.empty()) {
    std::string names;
    for (const auto& e : unknown) names += (names.empty() ? "" : ", ") + e;
    note += "; left out, zest does not have: " + names;
  }
  if (set != zest_extensions())
    m.out.set("sieve", "extensions", toml_list({set.begin(), set.end()}), from, note);
  else if (user)
    m.out.same(*user, "every extension zest has, its default");
  m.done(user);
  m.done(global);
  if (const Setting* s = m.get("plugin", "sieve_implicit_extensions")) {
    m.out.unmapped(*s, "zest has no implicitly required extensions");
    m.done(s);
  }
}

// A script path from a location ("file:/x;bindir=/y" is /x).
std::optional<std::string> script_path(Mapper& m, const Setting& s) {
  const Location loc = parse_location(s.value);
  if (loc.type != "file") {
    m.out.unmapped(s, "zest reads scripts from files only (not " + loc.type + ":)");
    return std::nullopt;
  }
  if (loc.path.starts_with("~") || loc.path.find('%') != std::string::npos) {
    m.out.unmapped(s, "zest's admin script paths are absolute, without ~ or variables");
    return std::nullopt;
  }
  if (loc.options.count("bindir"))
    m.out.remark("bindir= in " + s.key + " (" + s.where.str() +
                 "): zest compiles scripts itself and leaves .svbin files alone");
  return loc.path;
}

void admin_scripts(Mapper& m) {
  for (const char* kind : {"before", "after"}) {
    // sieve_before, sieve_before2, sieve_before3, ... in that order.
    std::map<int, const Setting*> found;
    const std::string prefix = std::string("sieve_") + kind;
    for (const Setting* s : m.under("plugin")) {
      if (s->scope.size() != 1 || !s->key.starts_with(prefix)) continue;
      const std::string rest = s->key.substr(prefix.size());
      if (rest.empty())
        found[1] = s;
      else if (rest.find_first_not_of("0123456789") == std::string::npos && rest != "1")
        found[std::stoi(rest)] = s;
    }
    std::vector<std::string> paths;
    std::vector<const Setting*> from;
    for (const auto& [n, s] : found) {
      m.done(s);
      if (s->value.empty()) continue;
      if (auto p = script_path(m, *s)) {
        paths.push_back(*p);
        from.push_back(s);
      }
    }
    if (!paths.empty()) m.out.set("delivery", std::string("sieve_") + kind, toml_list(paths), from);
  }
  for (const char* key : {"sieve_default", "sieve_global_path"}) {
    if (const Setting* s = m.get("plugin", key)) {
      m.done(s);
      if (auto p = script_path(m, *s)) m.out.set("delivery", "sieve_default", toml_string(*p), {s});
      break;
    }
  }
  if (const Setting* s = m.get("plugin", "sieve_default_name")) {
    m.out.unmapped(*s, "zest's default script is not visible over ManageSieve");
    m.done(s);
  }
  for (const char* key : {"sieve_global", "sieve_global_dir"}) {
    if (const Setting* s = m.get("plugin", key)) {
      m.done(s);
      if (auto p = script_path(m, *s))
        m.out.set("delivery", "sieve_global_dir", toml_string(*p), {s});
    }
  }
}

std::string without_slash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// sieve = file:~/sieve;active=~/.dovecot.sieve (or the older sieve + sieve_dir).
void personal_scripts(Mapper& m) {
  const Setting* sieve = m.get("plugin", "sieve");
  const Setting* dir_setting = m.get("plugin", "sieve_dir");
  std::string dir, active;
  if (sieve) {
    const Location loc = parse_location(sieve->value);
    if (loc.type != "file") {
      m.out.unmapped(*sieve, "zest keeps personal scripts in files only (not " + loc.type + ":)");
      m.done(sieve);
      sieve = nullptr;
    } else if (loc.options.count("active")) {
      dir = without_slash(loc.path);
      active = loc.options.at("active");
    } else {
      active = loc.path;
    }
  }
  if (dir_setting) dir = without_slash(parse_location(dir_setting->value).path);
  const bool default_dir = dir.empty() || dir == "~/sieve";
  const bool default_active = active.empty() || active == "~/.dovecot.sieve";
  for (const Setting* s : {sieve, dir_setting}) {
    if (!s) continue;
    m.done(s);
    if (default_dir && default_active) {
      m.out.same(*s,
                 "zest keeps scripts in <home>/sieve and the active one at "
                 "<home>/.dovecot.sieve");
      continue;
    }
    if (!dir.empty() && s == (dir_setting ? dir_setting : sieve))
      m.out.set("users", "sieve_dir", toml_string(dir), {s},
                "the directory of each user's scripts");
    if (!active.empty() && s == sieve)
      m.out.set("users", "sieve_active", toml_string(active), {s}, "the active-script link");
  }
  if (sieve && parse_location(sieve->value).options.count("bindir"))
    m.out.remark("bindir= in sieve (" + sieve->where.str() +
                 "): zest compiles scripts itself and leaves .svbin files alone");
}

// Settings with a zest key of their own.
void limits(Mapper& m) {
  auto size_key = [&](const char* dovecot, const char* table, const char* key) {
    const Setting* s = m.get("plugin", dovecot);
    if (!s) return;
    if (const auto n = parse_size(s->value))
      m.out.set(table, key, toml_int(*n), {s});
    else
      m.out.unmapped(*s, "not a size");
    m.done(s);
  };
  auto int_key = [&](const char* dovecot, const char* table, const char* key) {
    const Setting* s = m.get("plugin", dovecot);
    if (!s) return;
    if (const auto n = parse_size(s->value);
        n && s->value.find_first_not_of("0123456789") == std::string::npos)
      m.out.set(table, key, toml_int(*n), {s});
    else
      m.out.unmapped(*s, "not a number");
    m.done(s);
  };
  if (const Setting* s = m.get("plugin", "sieve_max_script_size")) {
    if (const auto n = parse_size(s->value))
      m.out.set("managesieve", "max_script_size", toml_int(*n), {s},
                "PUTSCRIPT's limit too, as in Pigeonhole");
  }
  size_key("sieve_max_script_size", "sieve", "max_script_size");
  int_key("sieve_max_actions", "sieve", "max_actions");
  int_key("sieve_max_redirects", "sieve", "max_redirects");
  int_key("sieve_quota_max_scripts", "managesieve", "max_scripts");
  size_key("sieve_quota_max_storage", "managesieve", "max_total_size");
  size_key("sieve_variables_max_variable_size", "sieve", "variables_max_variable_size");
  if (!m.get("plugin", "sieve_quota_max_scripts") || !m.get("plugin", "sieve_quota_max_storage"))
    m.out.remark(
        "Pigeonhole has no script quota unless sieve_quota_max_scripts / "
        "sieve_quota_max_storage are set; zest's defaults are 100 scripts and 10 MiB "
        "([managesieve] max_scripts, max_total_size; 0 = unlimited)");
  if (const Setting* s = m.get("plugin", "sieve_max_cpu_time")) {
    if (const auto secs = parse_seconds(s->value))
      m.out.set("sieve", "max_cpu_time", toml_int(*secs), {s}, "seconds");
    else
      m.out.unmapped(*s, "not a time interval");
    m.done(s);
  }
  for (const char* key : {"sieve_trace_debug", "sieve_trace_addresses"}) {
    const Setting* s = m.get("plugin", key);
    if (!s) continue;
    if (const auto b = parse_bool(s->value))
      m.out.set("sieve", std::string_view(key).substr(6), toml_bool(*b), {s});
    else
      m.out.unmapped(*s, "not yes or no");
    m.done(s);
  }
  if (const Setting* s = m.get("plugin", "sieve_trace_level")) {
    const std::string v = base::to_lower(s->value);
    if (v == "none" || v == "actions" || v == "commands" || v == "tests" || v == "matching")
      m.out.set("sieve", "trace_level", toml_string(v), {s});
    else
      m.out.unmapped(*s, "zest's trace levels are none, actions, commands, tests, matching");
    m.done(s);
  }
  if (const Setting* s = m.get("plugin", "sieve_notify_mailto_envelope_from")) {
    const std::string v = s->value;
    if (v == "sender" || v == "recipient" || v == "user_email" ||
        (v.starts_with("<") && v.ends_with(">")))
      m.out.set("notify", "mailto_envelope_from", toml_string(v), {s});
    else
      m.out.unmapped(*s, "zest takes \"sender\", \"recipient\", \"user_email\" or \"<address>\"");
    m.done(s);
  }
  if (const Setting* s = m.get("plugin", "sieve_plugins")) {
    std::vector<std::string> other;
    std::string w;
    for (char c : s->value + " ") {
      if (!base::is_space(c)) {
        w += c;
        continue;
      }
      if (!w.empty() && w != "sieve_extprograms") other.push_back(w);
      w.clear();
    }
    if (other.empty())
      m.out.same(*s, "zest has vnd.dovecot.pipe/filter/execute built in ([sieve] *_bin_dir)");
    else
      m.out.unmapped(*s, "zest has no plugins; sieve_extprograms is built in, the others (" +
                             other.front() + (other.size() > 1 ? ", ..." : "") +
                             ") have no equivalent");
    m.done(s);
  }
}

// Every other sieve_X that zest reads as [sieve] X.
void engine_settings(Mapper& m) {
  for (const Setting* s : m.under("plugin")) {
    if (m.is_done(s) || s->scope.size() != 1 || !s->key.starts_with("sieve_")) continue;
    const std::string key = s->key.substr(6);
    if (key == "extensions" || !zest_has_key("sieve", key)) continue;
    if (key.ends_with("_size") && parse_size(s->value))
      m.out.set("sieve", key, toml_int(*parse_size(s->value)), {s});
    else
      m.out.set("sieve", key, toml_string(s->value), {s});
    m.done(s);
  }
}

// Whether Pigeonhole is in use at all: a plugin sieve setting, or the
// sieve plugin loaded for delivery.
bool uses_pigeonhole(const Mapper& m) {
  for (const Setting* s : m.effective()) {
    if (s->scope_text() == "plugin" && s->key.starts_with("sieve")) return true;
    if (s->key == "mail_plugins" && s->value.find("sieve") != std::string::npos) return true;
  }
  return false;
}

}  // namespace

void map_sieve(Mapper& m) {
  personal_scripts(m);
  admin_scripts(m);
  if (!uses_pigeonhole(m)) return;
  extensions(m);
  limits(m);
  engine_settings(m);
}

}  // namespace zest::migrate
