// passdb and userdb: a passwd-file, or SQL through a dovecot-sql.conf.ext
// whose driver, connect and queries are read from that file.
#include <filesystem>

#include "base/text.hpp"
#include "migrate/dovecot_values.hpp"
#include "migrate/mapper.hpp"
#include "migrate/zest_keys.hpp"

namespace zest::migrate {
namespace {

struct Args {
  std::string path;                                       // the last word without '='
  std::vector<std::pair<std::string, std::string>> opts;  // name=value words
};

Args parse_args(std::string_view v) {
  Args a;
  std::string w;
  auto flush = [&] {
    if (w.empty()) return;
    if (const auto eq = w.find('='); eq != std::string::npos)
      a.opts.emplace_back(w.substr(0, eq), w.substr(eq + 1));
    else
      a.path = w;
    w.clear();
  };
  for (char c : v) {
    if (base::is_space(c))
      flush();
    else
      w += c;
  }
  flush();
  return a;
}

// The settings of a dovecot-sql.conf.ext, into [sql].
void sql_file(Mapper& m, const Setting& args_setting, const std::string& path) {
  const auto conf = read_dovecot_config(path);
  if (!conf) {
    m.out.unmapped(args_setting, "cannot read the SQL settings: " + conf.error().message);
    return;
  }
  std::map<std::string, const Setting*> last;
  for (const auto& s : conf->settings)
    if (s.scope.empty()) last[s.key] = &s;
  const Setting* driver = last.count("driver") ? last["driver"] : nullptr;
  if (!driver || (driver->value != "pgsql" && driver->value != "sqlite")) {
    if (driver)
      m.out.unmapped(*driver, "zest speaks to PostgreSQL (pgsql) and SQLite only");
    else
      m.out.unmapped(args_setting, path + " sets no driver");
    for (const auto& s : conf->settings)
      if (&s != driver) m.out.unmapped(s, "the SQL user database is not mapped");
    return;
  }
  m.out.set("auth", "driver", toml_string("sql"), {&args_setting});
  for (const auto& [key, s] : last) {
    if (key == "driver" || key == "connect" || key == "password_query" || key == "user_query" ||
        key == "iterate_query" || key == "default_pass_scheme")
      m.out.set("sql", key, toml_string(s->value), {s});
    else
      m.out.unmapped(*s, "zest's [sql] table has no such setting");
  }
}

// passwd-file or sql: where users come from. Returns whether mapped.
bool map_db(Mapper& m, const Mapper::Block& b, bool passdb, std::string& mapped_args) {
  const Setting* driver = b.get("driver");
  const Setting* args = b.get("args");
  m.done(driver);
  m.done(args);
  const std::string d = driver ? driver->value : "";
  const std::string what = passdb ? "passdb" : "userdb";
  if (!mapped_args.empty()) {
    // The userdb (or a second passdb) reading what the first one did.
    if (args && args->value == mapped_args) {
      m.out.same(*args, "the same file as the " + std::string(passdb ? "first passdb" : "passdb") +
                            ": zest takes passwords and homes from one lookup");
      if (driver) m.out.same(*driver, "as above");
      return true;
    }
    if (!passdb && d == "static") {
      const Args a = parse_args(args ? args->value : "");
      for (const auto& [k, v] : a.opts) {
        if (k == "home")
          m.out.set("users", "home", toml_string(v), {args},
                    "the home of users whose user database gives none");
        else if ((k == "uid" || k == "gid") && !m.out.has("server", k == "uid" ? "user" : "group"))
          m.out.set("server", k == "uid" ? "user" : "group", toml_string(v), {args},
                    "zestd switches to this account; it owns every user's mail");
      }
      if (driver) m.out.same(*driver, "userdb static: its fields are mapped from args");
      return true;
    }
    for (const Setting* s : {driver, args})
      if (s) m.out.unmapped(*s, "zest has one user database; this " + what + " is not used");
    return false;
  }
  if (d == "passwd-file") {
    const Args a = parse_args(args ? args->value : "");
    if (a.path.empty() || a.path.find('%') != std::string::npos) {
      m.out.unmapped(args ? *args : *driver,
                     "zest reads one passwd-file ([auth] passwd_file) without variables");
      return false;
    }
    m.out.set("auth", "passwd_file", toml_string(a.path), {driver, args});
    if (zest_has_key("auth", "driver")) m.out.set("auth", "driver", toml_string("passwd-file"), {});
    for (const auto& [k, v] : a.opts) {
      if (k == "username_format" && (v == "%u" || v == "%n" || v == "%Ln" || v == "%Lu"))
        continue;  // zest tries the whole address, then the local part
      if (k == "scheme") continue;
      m.out.remark(what + " args option " + k + "=" + v + " (" + args->where.str() +
                   ") has no zest equivalent");
    }
    mapped_args = args->value;
    return true;
  }
  if (d == "sql") {
    const Args a = parse_args(args ? args->value : "");
    if (a.path.empty()) {
      m.out.unmapped(driver ? *driver : *args, "driver sql without the file of its settings");
      return false;
    }
    if (!zest_has_key("auth", "driver")) {
      m.out.unmapped(*args, "this zest has no SQL user database ([auth] driver)");
      return false;
    }
    std::error_code ec;
    if (!std::filesystem::exists(a.path, ec)) {
      m.out.unmapped(*args, a.path +
                                " does not exist here: copy its driver, connect and "
                                "queries into [sql] by hand");
      return false;
    }
    sql_file(m, *args, a.path);
    mapped_args = args->value;
    return true;
  }
  const Setting* at = driver ? driver : args;
  if (at)
    m.out.unmapped(*at, "zest reads users from a passwd-file or SQL (pgsql, sqlite) only" +
                            std::string(d == "pam" || d == "shadow" || d == "passwd"
                                            ? ": system accounts are not supported"
                                            : ""));
  return false;
}

}  // namespace

void map_auth(Mapper& m) {
  std::string mapped;
  for (const auto& b : m.blocks("passdb")) map_db(m, b, true, mapped);
  std::string passdb_args = mapped;
  for (const auto& b : m.blocks("userdb")) {
    std::string userdb_args = passdb_args;
    if (passdb_args.empty()) {
      // No passdb zest can use: the userdb alone still names the users.
      map_db(m, b, false, userdb_args);
      passdb_args = userdb_args;
    } else {
      map_db(m, b, false, userdb_args);
    }
    for (const char* k : {"default_fields", "override_fields"}) {
      const Setting* f = b.get(k);
      if (!f) continue;
      m.done(f);
      bool all = true;
      for (const auto& [n, v] : parse_args(f->value).opts) {
        if (n == "home" && std::string_view(k) == "default_fields")
          m.out.set("users", "home", toml_string(v), {f},
                    "the home of users whose user database gives none");
        else if (n == "mail" && std::string_view(k) == "default_fields")
          m.out.set("users", "mail", toml_string(v), {f});
        else if (n == "quota_rule" && v.starts_with("*:storage=") && parse_size(v.substr(10)))
          m.out.set("quota", "storage", toml_int(*parse_size(v.substr(10))), {f}, "octets");
        else
          all = false;
      }
      if (!all)
        m.out.unmapped(*f, "zest takes home, mail and quota_rule from here only (as defaults)");
    }
  }
}

}  // namespace zest::migrate
