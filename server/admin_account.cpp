// `zest quota get|recalc`, `zest auth test`, `zest user show`.
#include <filesystem>
#include <iostream>
#include <variant>

#include "base/logfmt.hpp"
#include "server/admin_commands.hpp"
#include "server/admin_output.hpp"
#include "server/user_scripts.hpp"
#include "store/passwd.hpp"
#include "store/quota.hpp"
#include "userdb/user_setup.hpp"

namespace zest::server::admin {
namespace {

namespace fs = std::filesystem;

// The configured user database, for one lookup; `userdb` describes it.
std::variant<store::UserPlace, int> lookup(const config::ServerConfig& cfg, const std::string& name,
                                           bool json, std::string* userdb = nullptr) {
  store::UserDb passwd(cfg.passwd_file);
  std::string setup_error;
  auto source = userdb::make_user_source(cfg, passwd, setup_error);
  if (!setup_error.empty()) return fail(json, kConfig, setup_error);
  if (userdb) *userdb = source->describe();
  return find_user(*source, userdb::path_templates(cfg), name, json);
}

std::string scheme_of(std::string_view stored) {
  if (stored.starts_with('{'))
    if (const auto end = stored.find('}'); end != std::string_view::npos)
      return std::string(stored.substr(1, end - 1));
  return "CRYPT";
}

struct ScriptUsage {
  std::uint64_t count = 0, bytes = 0;
  std::string active;
};

ScriptUsage script_usage(const config::ServerConfig& cfg, const store::UserPlace& u) {
  ScriptUsage out;
  auto scripts = open_script_store(cfg, u);
  if (auto l = scripts->list()) {
    for (const auto& s : *l) {
      ++out.count;
      std::error_code ec;
      const auto size = fs::file_size(scripts->script_path(s.name), ec);
      if (!ec) out.bytes += size;
      if (s.active) out.active = s.name;
    }
  }
  return out;
}

std::uint64_t percent(std::uint64_t value, std::uint64_t limit) {
  return limit ? value * 100 / limit : 0;
}

}  // namespace

std::variant<store::UserPlace, int> find_user(store::UserSource& source,
                                              const store::PathTemplates& paths,
                                              const std::string& name, bool json) {
  if (name.empty()) return fail(json, kUsage, "a user name is required (-u USER)");
  auto found = store::lookup_user(source, paths, name);
  if (!found) {
    const auto& e = found.error();
    if (e.temporary) return fail(json, kTempFail, "user lookup failed: " + e.message);
    // A refused name is nobody's; a template that cannot expand is the configuration's.
    if (!store::check_user_name(name)) return fail(json, kNoUser, e.message);
    return fail(json, kConfig, e.message);
  }
  if (!found.value()) return fail(json, kNoUser, "no such user '" + name + "'");
  return std::move(*found.value());
}

int quota_command(const config::ServerConfig& cfg, const std::string& action,
                  const std::string& name, bool json, const std::string& admin, Logger& log) {
  auto looked = lookup(cfg, name, json);
  if (const int* code = std::get_if<int>(&looked)) return *code;
  const auto& user = std::get<store::UserPlace>(looked);
  const store::SieveHome& home = user.where;
  const bool recalc = action == "recalc";
  // get: as delivery counts (the S= sizes in the file names); recalc: every
  // file's size on disk.
  const std::uint64_t used =
      store::maildir_usage(home.maildir(), recalc ? store::SizeFrom::Stat : store::SizeFrom::Names);
  const std::uint64_t limit = user.quota_storage;  // the user's quota_rule or [quota] storage
  const auto q = script_quota(cfg);
  const auto s = script_usage(cfg, user);
  std::error_code ec;
  const bool marker = fs::exists(home.quota_marker(), ec);
  if (recalc) {
    const std::uint64_t by_names = store::maildir_usage(home.maildir());
    log.write("event=quota-recalc " + base::log_field("user", user.name) +
              " used=" + std::to_string(used) + " by_names=" + std::to_string(by_names) +
              " limit=" + std::to_string(limit) + " " + base::log_field("admin", admin));
  }
  JsonObject o;
  o.add("ok", true).add("user", user.name);
  o.add_raw("storage", JsonObject()
                           .add("used", used)
                           .add("limit", limit)
                           .add("percent", percent(used, limit))
                           .add("over_quota_marker", marker)
                           .str());
  o.add_raw("scripts", JsonObject()
                           .add("count", s.count)
                           .add("max_scripts", q.max_scripts)
                           .add("bytes", s.bytes)
                           .add("max_total_size", q.max_total)
                           .add("max_script_size", q.max_script_size)
                           .str());
  std::string text = "TYPE\tVALUE\tLIMIT\t%\n";
  text += "STORAGE\t" + std::to_string(used) + "\t" + (limit ? std::to_string(limit) : "-") + "\t" +
          std::to_string(percent(used, limit)) + "\n";
  text += "SCRIPTS\t" + std::to_string(s.count) + "\t" +
          (q.max_scripts ? std::to_string(q.max_scripts) : "-") + "\t" +
          std::to_string(percent(s.count, q.max_scripts)) + "\n";
  text += "SCRIPT_STORAGE\t" + std::to_string(s.bytes) + "\t" +
          (q.max_total ? std::to_string(q.max_total) : "-") + "\t" +
          std::to_string(percent(s.bytes, q.max_total)) + "\n";
  print(json, o, text);
  return kOk;
}

int auth_test(const config::ServerConfig& cfg, const std::string& name, bool json) {
  auto looked = lookup(cfg, name, json);
  if (const int* code = std::get_if<int>(&looked)) return *code;
  const auto& user = std::get<store::UserPlace>(looked).record;
  std::string password;
  if (!std::getline(std::cin, password)) return fail(json, kUsage, "no password on standard input");
  if (!password.empty() && password.back() == '\r') password.pop_back();
  const bool ok = store::verify_password(user.password, password);
  JsonObject o;
  o.add("ok", ok).add("user", user.name).add("scheme", scheme_of(user.password));
  if (!ok) o.add("exit", static_cast<std::uint64_t>(kFailed));
  print(json, o,
        ok ? "passdb: " + user.name + " auth succeeded" : "passdb: " + user.name + " auth failed");
  return ok ? kOk : kFailed;
}

int user_show(const config::ServerConfig& cfg, const std::string& name, bool json) {
  std::string userdb;
  auto looked = lookup(cfg, name, json, &userdb);
  if (const int* code = std::get_if<int>(&looked)) return *code;
  const auto& user = std::get<store::UserPlace>(looked);
  const store::UserRecord& r = user.record;
  const store::SieveHome& home = user.where;
  const auto s = script_usage(cfg, user);
  const std::uint64_t used = store::maildir_usage(home.maildir());
  const std::uint64_t limit = user.quota_storage;  // the user's quota_rule or [quota] storage
  std::error_code ec;
  const bool has_maildir = fs::is_directory(home.maildir() / "cur", ec);
  JsonObject o;
  o.add("ok", true)
      .add("user", user.name)
      .add("scheme", scheme_of(r.password))
      .add("home", home.home.string())
      .add("maildir", home.maildir().string())
      .add("maildir_exists", has_maildir)
      .add("script_dir", home.script_dir().string())
      .add("active_link", home.active_link().string())
      .add("active_script", s.active)
      .add("scripts", s.count)
      .add("storage_used", used)
      .add("storage_limit", limit)
      .add("quota_rule", r.quota_rule)
      .add("uid", r.uid)
      .add("gid", r.gid)
      .add("extra_fields", r.extra)
      .add("userdb", userdb);
  std::string text;
  auto row = [&](std::string_view k, std::string_view v) {
    text += std::string(k) + "\t" + std::string(v.empty() ? "-" : v) + "\n";
  };
  row("user", user.name);
  row("scheme", scheme_of(r.password));
  row("home", home.home.string());
  row("maildir", home.maildir().string() + (has_maildir ? "" : " (missing)"));
  row("script_dir", home.script_dir().string());
  row("active_link", home.active_link().string());
  row("active_script", s.active);
  row("scripts", std::to_string(s.count));
  row("storage", std::to_string(used) + (limit ? " of " + std::to_string(limit) : " (no limit)"));
  row("quota_rule", r.quota_rule);
  row("uid", r.uid);
  row("gid", r.gid);
  row("extra_fields", r.extra);
  row("userdb", userdb);
  print(json, o, text);
  return kOk;
}

}  // namespace zest::server::admin
