#include "config/server_config.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>

#include <toml++/toml.h>

#include "base/file.hpp"
#include "base/log_format.hpp"
#include "base/text.hpp"
#include "config/config.hpp"
#include "config/config_file.hpp"
#include "methods/http.hpp"
#include "transport/notify_formats.hpp"
#include "transport/redis_client.hpp"
#include "transport/smtp_submit.hpp"
#include "transport/ssrf_guard.hpp"
#include "transport/webhook_signature.hpp"

namespace zest::config {
namespace {

std::string where(const toml::node& n, std::string_view src) {
  return toml_position(n.source(), src);
}

// One reader per kind; false when the node has the wrong type.
bool read(const toml::node& n, std::string& out) {
  auto v = n.value<std::string>();
  if (!v) return false;
  out = *v;
  return true;
}
bool read(const toml::node& n, std::vector<std::string>& out) {
  const auto* arr = n.as_array();
  if (!arr) return false;
  out.clear();
  for (const auto& e : *arr) {
    auto v = e.value<std::string>();
    if (!v) return false;
    out.push_back(*v);
  }
  return true;
}
bool read(const toml::node& n, std::int64_t& out) {
  auto v = n.value_exact<std::int64_t>();
  if (!v || *v < 0) return false;
  out = *v;
  return true;
}
bool read(const toml::node& n, bool& out) {
  auto v = n.value<bool>();
  if (!v) return false;
  out = *v;
  return true;
}
constexpr std::string_view kind_text(std::string_view kind) {
  return kind == "String"       ? "a string"
         : kind == "StringList" ? "a list of strings"
         : kind == "Int"        ? "a non-negative integer"
                                : "true or false";
}

std::string qualified(std::string_view table, std::string_view key) {
  return table.empty() ? std::string(key) : "[" + std::string(table) + "] " + std::string(key);
}

std::string system_hostname() {
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  return host;
}

void fill_derived(ServerConfig& c) {
  if (c.hostname.empty()) c.hostname = system_hostname();
  if (c.postmaster_address.empty()) c.postmaster_address = "postmaster@" + c.hostname;
  if (c.passwd_file.empty()) c.passwd_file = c.data_dir + "/passwd";
  if (c.events_outbox.empty()) c.events_outbox = c.data_dir + "/events.sqlite";
  if (c.events_source.empty()) c.events_source = "urn:zest:" + c.hostname;
}

// [[events.sink]]: an array of tables, each checked against ZEST_SINK_KEY.
Result<std::vector<EventSinkConfig>> parse_sinks(const toml::table& root, std::string_view src) {
  using R = Result<std::vector<EventSinkConfig>>;
  std::vector<EventSinkConfig> out;
  const toml::table* events = root["events"].as_table();
  const toml::node* node = events ? events->get("sink") : nullptr;
  if (!node) return out;
  const toml::array* arr = node->as_array();
  if (!arr || !arr->is_array_of_tables())
    return R::failure(where(*node, src) + ": error: [[events.sink]] must be an array of tables");
  for (const toml::node& elem : *arr) {
    const toml::table& t = *elem.as_table();
    EventSinkConfig s;
    std::set<std::string, std::less<>> keys;
#define ZEST_SINK_KEY(key, member, kind, def, def_doc, doc)                              \
  keys.insert(key);                                                                      \
  if (const toml::node* n = t.get(key); n && !read(*n, s.member))                        \
    return R::failure(where(*n, src) + ": error: [[events.sink]] " + key + " must be " + \
                      std::string(kind_text(#kind)));
#include "config/config_keys.def"
    for (const auto& [k, n] : t)
      if (!keys.count(k.str()))
        return R::failure(where(n, src) + ": error: unknown key [[events.sink]] " +
                          std::string(k.str()));
    const std::string at = where(elem, src) + ": error: [[events.sink]] ";
    auto bad = [&](std::string what) { return R::failure(at + what); };
    if (s.name.empty()) return bad("needs a name");
    if (s.name.starts_with("notify:"))
      return bad(s.name + ": names starting with \"notify:\" are the notifications' own");
    if (const toml::node* u = t.get("url")) s.url_position = where(*u, src);
    for (const auto& other : out)
      if (other.name == s.name) return bad("name \"" + s.name + "\" is used twice");
    if (s.type != "webhook" && s.type != "redis")
      return bad(s.name + ": type must be \"webhook\" or \"redis\"");
    if (s.url.empty()) return bad(s.name + ": needs a url");
    if (!s.secret.empty() && !s.secret_file.empty())
      return bad(s.name + ": secret and secret_file exclude each other");
    if (!s.secret_file.empty()) {
      const auto secret = base::read_file(s.secret_file);
      if (!secret) return bad(s.name + ": cannot read secret_file " + s.secret_file);
      s.secret = std::string(base::trim(*secret));
    }
    if (s.timeout < 1) return bad(s.name + ": timeout must be >= 1");
    if (s.max_parallel < 1) return bad(s.name + ": max_parallel must be >= 1");
    out.push_back(std::move(s));
  }
  return out;
}

// [[notify.http.target]]: an array of tables, each checked against
// ZEST_TARGET_KEY and transport::check_target.
Result<std::vector<NotifyTargetConfig>> parse_targets(const toml::table& root,
                                                      std::string_view src) {
  using R = Result<std::vector<NotifyTargetConfig>>;
  std::vector<NotifyTargetConfig> out;
  const toml::node* http = root.at_path("notify.http").node();
  const toml::table* t_http = http ? http->as_table() : nullptr;
  const toml::node* node = t_http ? t_http->get("target") : nullptr;
  if (!node) return out;
  const toml::array* arr = node->as_array();
  if (!arr || !arr->is_array_of_tables())
    return R::failure(where(*node, src) +
                      ": error: [[notify.http.target]] must be an array of tables");
  for (const toml::node& elem : *arr) {
    const toml::table& t = *elem.as_table();
    NotifyTargetConfig s;
    std::set<std::string, std::less<>> keys;
#define ZEST_TARGET_KEY(key, member, kind, def, def_doc, doc)                                   \
  keys.insert(key);                                                                             \
  if (const toml::node* n = t.get(key); n && !read(*n, s.member))                               \
    return R::failure(where(*n, src) + ": error: [[notify.http.target]] " + key + " must be " + \
                      std::string(kind_text(#kind)));
#include "config/config_keys.def"
    for (const auto& [k, n] : t)
      if (!keys.count(k.str()))
        return R::failure(where(n, src) + ": error: unknown key [[notify.http.target]] " +
                          std::string(k.str()));
    const std::string at = where(elem, src) + ": error: [[notify.http.target]] ";
    if (s.prefix.empty()) return R::failure(at + "needs a prefix");
    transport::HttpTarget check{s.prefix, s.format, s.token, s.authorization, s.tags};
    if (auto why = transport::check_target(check); !why.empty())
      return R::failure(at + s.prefix + ": " + why);
    for (const auto& other : out)
      if (other.prefix == s.prefix)
        return R::failure(at + "prefix \"" + s.prefix + "\" is used twice");
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

ServerConfig default_server_config() {
  ServerConfig c;
  c.source = "(built-in defaults)";
  fill_derived(c);
  return c;
}

Result<ServerConfig> parse_server_config(std::string_view text, std::string_view src) {
  using R = Result<ServerConfig>;
  ServerConfig c;
  c.source = std::string(src);
  toml::table root;
  try {
    root = toml::parse(text, std::string(src));
  } catch (const toml::parse_error& e) {
    return R::failure(toml_position(e.source(), src) + ": error: " + std::string(e.description()));
  }
  std::set<std::pair<std::string, std::string>> known;
#define ZEST_KEY(table, key, member, kind, def, def_doc, doc)                                \
  known.insert({table, key});                                                                \
  {                                                                                          \
    const toml::node* n =                                                                    \
        std::string_view(table).empty()                                                      \
            ? root.get(key)                                                                  \
            : (root.at_path(table).as_table() ? root.at_path(table).as_table()->get(key)     \
                                              : nullptr);                                    \
    if (n && !read(*n, c.member))                                                            \
      return R::failure(where(*n, src) + ": error: " + qualified(table, key) + " must be " + \
                        std::string(kind_text(#kind)));                                      \
    if (n) c.positions[qualified(table, key)] = where(*n, src);                              \
  }
#include "config/config_keys.def"
#undef ZEST_KEY
  auto sinks = parse_sinks(root, src);
  if (!sinks) return R::failure(sinks.error());
  c.event_sinks = std::move(sinks.value());
  known.insert({"events", "sink"});  // [[events.sink]], read by parse_sinks
  auto targets = parse_targets(root, src);
  if (!targets) return R::failure(targets.error());
  c.notify_http_targets = std::move(targets.value());
  known.insert({"notify.http", "target"});  // [[notify.http.target]], read by parse_targets
  // Unknown keys and tables, nested ones ([notify.http]) included.
  std::set<std::string> tables;
  for (const auto& [t, _] : known) {
    if (t.empty()) continue;
    tables.insert(t);  // and its parents: "notify" for "notify.http"
    for (auto dot = t.find('.'); dot != std::string::npos; dot = t.find('.', dot + 1))
      tables.insert(t.substr(0, dot));
  }
  std::string unknown;
  auto walk = [&](auto&& self, const toml::table& tbl, const std::string& prefix) -> void {
    for (const auto& [k, node] : tbl) {
      if (!unknown.empty()) return;
      const std::string key(k.str());
      const std::string full = prefix.empty() ? key : prefix + "." + key;
      if (node.is_table()) {
        if (full == "sieve") continue;
        if (!tables.count(full)) {
          unknown = where(node, src) + ": error: unknown table [" + full + "]";
          return;
        }
        self(self, *node.as_table(), full);
      } else if (!known.count({prefix, key})) {
        unknown = where(node, src) + ": error: unknown key " + qualified(prefix, key);
      }
    }
  };
  walk(walk, root, "");
  if (!unknown.empty()) return R::failure(unknown);
  auto bad = [&](std::string what) { return R::failure(std::string(src) + ": error: " + what); };
  if (c.lmtp_reject != "protocol" && c.lmtp_reject != "bounce")
    return bad("[lmtp] reject must be \"protocol\" or \"bounce\"");
  if (c.auth_driver != "passwd-file" && c.auth_driver != "sql")
    return bad("[auth] driver must be \"passwd-file\" or \"sql\"");
  if (c.auth_driver == "sql") {
    if (c.sql_driver != "pgsql" && c.sql_driver != "sqlite")
      return bad("[sql] driver must be \"pgsql\" or \"sqlite\" with [auth] driver = \"sql\"");
    if (c.sql_connect.empty()) return bad("[sql] connect is required with [auth] driver = \"sql\"");
    if (c.sql_user_query.empty() && c.sql_password_query.empty())
      return bad("[sql] user_query or password_query is required with [auth] driver = \"sql\"");
  }
  for (const auto* k : {&c.users_mail, &c.users_sieve_dir, &c.users_sieve_active})
    if (k->empty()) return bad("[users] mail, sieve_dir and sieve_active must not be empty");
  if (!transport::parse_starttls(c.submission_starttls))
    return bad("[submission] starttls must be \"required\", \"opportunistic\" or \"none\"");
  if (!base::parse_log_level(c.log_level))
    return bad("[log] level must be \"debug\", \"info\", \"warning\" or \"error\"");
  if (c.log_format != "logfmt" && c.log_format != "json")
    return bad("[log] format must be \"logfmt\" or \"json\"");
  if (c.log_target != "stderr" && c.log_target != "syslog" && c.log_target != "journald")
    return bad("[log] target must be \"stderr\", \"syslog\" or \"journald\"");
  if (c.hierarchy_separator != "/" && c.hierarchy_separator != ".")
    return bad("[delivery] hierarchy_separator must be \"/\" or \".\"");
  if (c.maildir_lock_timeout < 1) return bad("[maildir] lock_timeout must be >= 1");
  if (c.maildir_stale_lock_timeout < 1) return bad("[maildir] stale_lock_timeout must be >= 1");
  if (c.maildir_lock_method != "excl" && c.maildir_lock_method != "link")
    return bad("[maildir] lock_method must be \"excl\" or \"link\"");
  if (c.maildir_fsync_threads < 0 || c.maildir_fsync_threads > 64)
    return bad("[maildir] fsync_threads must be 0..64");
  if (c.lmtp_max_message_size < 65536) return bad("[lmtp] max_message_size must be >= 65536");
  if (c.lmtp_max_recipients < 100) return bad("[lmtp] max_recipients must be >= 100");
  if (c.lmtp_max_line_length < 1024) return bad("[lmtp] max_line_length must be >= 1024");
  if (c.lmtp_timeout < 1) return bad("[lmtp] timeout must be >= 1");
  if (c.lmtp_workers < 1 || c.lmtp_workers > 256) return bad("[lmtp] workers must be 1..256");
  if (c.script_cache_memory < 1 || c.script_cache_memory > (std::int64_t{1} << 30))
    return bad("[delivery] script_cache_memory must be 1..1073741824 (MiB)");
  if (c.lmtp_tls_cert.empty() != c.lmtp_tls_key.empty())
    return bad("[lmtp] tls_cert and tls_key go together");
  if (c.managesieve_tls_cert.empty() != c.managesieve_tls_key.empty())
    return bad("[managesieve] tls_cert and tls_key go together");
  if (c.data_dir.empty()) return bad("data_dir must not be empty");
  if (c.notify_xmpp_type != "normal" && c.notify_xmpp_type != "headline")
    return bad("[notify.xmpp] type must be \"normal\" or \"headline\"");
  if (c.notify_xmpp_port > 65535) return bad("[notify.xmpp] port must be 0..65535");
  if (c.notify_http_max_attempts < 1) return bad("[notify.http] max_attempts must be >= 1");
  if (c.notify_http_format != "json" && c.notify_http_format != "cloudevents")
    return bad("[notify.http] format must be \"json\" or \"cloudevents\"");
  for (const auto& range : c.notify_http_allow)
    if (!transport::parse_cidr(range))
      return bad("[notify.http] allow: \"" + range + "\" is not a CIDR range");
  if (!c.notify_http_secret.empty() && !transport::webhook_key(c.notify_http_secret))
    return bad("[notify.http] secret must be whsec_<base64>");
  if (c.notify_senders < 1 || c.notify_senders > 64) return bad("[notify] senders must be 1..64");
  if (c.notify_backoff_initial_ms < 1) return bad("[notify] backoff_initial_ms must be >= 1");
  if (c.notify_backoff_max_ms < c.notify_backoff_initial_ms)
    return bad("[notify] backoff_max_ms must be >= backoff_initial_ms");
  if (c.notify_dead_after < 1) return bad("[notify] dead_after must be >= 1");
  if (c.notify_breaker_failures < 1) return bad("[notify] breaker_failures must be >= 1");
  if (c.notify_breaker_cooldown < 1) return bad("[notify] breaker_cooldown must be >= 1");
  if (c.events_backoff_initial_ms < 1) return bad("[events] backoff_initial_ms must be >= 1");
  if (c.events_backoff_max_ms < c.events_backoff_initial_ms)
    return bad("[events] backoff_max_ms must be >= backoff_initial_ms");
  if (c.events_poll_interval_ms < 1) return bad("[events] poll_interval_ms must be >= 1");
  // [state]: with the position of the key, as a wrong value is found there.
  auto bad_at = [&](std::string_view key, std::string what) {
    return R::failure(c.position_of(key) + ": error: " + std::string(key) + what);
  };
  if (c.state_backend != "local" && c.state_backend != "redis")
    return bad_at("[state] backend", " must be \"local\" or \"redis\"");
  if (c.state_backend == "redis") {
    if (c.state_url.empty()) return bad_at("[state] backend", " \"redis\" needs [state] url");
    auto url = transport::parse_redis_url(c.state_url);
    if (!url)
      return bad_at("[state] url", ": " + url.error());  // not the url: it may hold a password
    std::error_code ec;
    if (url->tls && !c.state_ca_file.empty() &&
        !std::filesystem::is_regular_file(c.state_ca_file, ec))
      return bad_at("[state] ca_file", ": " + c.state_ca_file + ": no such file");
  }
  if (c.state_timeout < 1) return bad_at("[state] timeout", " must be >= 1");
  if (const auto* st = root["sieve"].as_table())
    for (const auto& [k, n] : *st) c.positions["[sieve] " + std::string(k.str())] = where(n, src);
  auto sieve = parse_engine_settings(text, src);
  if (!sieve) return R::failure(sieve.error());
  c.sieve = std::move(sieve.value());
  fill_derived(c);
  return c;
}

Result<transport::RedisEndpoint> state_redis_endpoint(const ServerConfig& c) {
  auto e = transport::parse_redis_url(c.state_url);
  if (e) {
    e->ca_file = c.state_ca_file;
    e->verify = c.state_tls_verify;
  }
  return e;
}

Result<ServerConfig> load_server_config(std::string_view path) {
  auto text = read_config_file(path);
  if (!text) return Result<ServerConfig>::failure(text.error());
  return parse_server_config(text.value(), path);
}

std::string ServerConfig::position_of(std::string_view key) const {
  const auto it = positions.find(key);
  return it != positions.end() ? it->second : source;
}

namespace {

std::string toml_string(std::string_view v) {
  std::string out = "\"";
  for (char ch : v) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(ch));
      out += buf;
      continue;
    }
    out += ch;
  }
  return out + "\"";
}
std::string toml_value(const std::string& v) {
  return toml_string(v);
}
std::string toml_value(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + toml_string(v[i]);
  return out + "]";
}
std::string toml_value(std::int64_t v) {
  return std::to_string(v);
}
std::string toml_value(bool v) {
  return v ? "true" : "false";
}

// Keys whose values are never printed.
bool is_secret(std::string_view key) {
  return key == "password" || key == "secret";
}

}  // namespace

std::string dump_server_config(const ServerConfig& c) {
  std::string out = "# zestd --dump-config: " + c.source + " (defaults included)\n";
  std::string_view prev_table = "\x01";
#define ZEST_KEY(table, key, member, kind, def, def_doc, doc)                            \
  if (std::string_view(table) != prev_table) {                                           \
    prev_table = table;                                                                  \
    if (!std::string_view(table).empty()) out += "\n[" + std::string(table) + "]\n";     \
  }                                                                                      \
  out += std::string(key) + " = " +                                                      \
         (is_secret(key) && toml_value(c.member) != "\"\"" ? std::string("\"<hidden>\"") \
                                                           : toml_value(c.member)) +     \
         "\n";
#include "config/config_keys.def"
  for (const auto& s : c.event_sinks) {
    out += "\n[[events.sink]]\n";
#define ZEST_SINK_KEY(key, member, kind, def, def_doc, doc)                   \
  if (std::string_view(key) != "secret_file" || !s.secret_file.empty())       \
    out += std::string(key) + " = " +                                         \
           (is_secret(key) && !s.secret.empty() ? std::string("\"<hidden>\"") \
                                                : toml_value(s.member)) +     \
           "\n";
#include "config/config_keys.def"
  }
  for (const auto& t : c.notify_http_targets) {
    out += "\n[[notify.http.target]]\n";
#define ZEST_TARGET_KEY(key, member, kind, def, def_doc, doc)                               \
  out += std::string(key) + " = " +                                                         \
         ((std::string_view(key) == "token" || std::string_view(key) == "authorization") && \
                  toml_value(t.member) != "\"\""                                            \
              ? std::string("\"<hidden>\"")                                                 \
              : toml_value(t.member)) +                                                     \
         "\n";
#include "config/config_keys.def"
  }
  out += "\n[sieve]\n";
  out += "max_actions = " + std::to_string(c.sieve.max_actions) + "\n";
  out += "max_redirects = " + std::to_string(c.sieve.max_redirects) + "\n";
  out += "max_script_size = " + std::to_string(c.sieve.max_script_size) + "\n";
  out += "max_nesting = " + std::to_string(c.sieve.max_nesting) + "\n";
  out += "max_instructions = " + std::to_string(c.sieve.max_instructions) + "\n";
  out += "max_cpu_time = \"" + std::to_string(c.sieve.max_cpu_time.count()) + "ms\"\n";
  out += "max_memory = " + std::to_string(c.sieve.max_memory) + "\n";
  if (c.sieve.extensions)
    out += "extensions = " +
           toml_value(
               std::vector<std::string>(c.sieve.extensions->begin(), c.sieve.extensions->end())) +
           "\n";
  for (const auto& [k, v] : c.sieve.values) out += k + " = " + toml_string(v) + "\n";
  return out;
}

std::string config_reference_markdown() {
  std::string out;
  std::string current = "-";
  std::string_view prev_table = "\x01";
#define ZEST_KEY(table, key, member, kind, def, def_doc, doc)                              \
  if (std::string_view(table) != prev_table) {                                             \
    prev_table = table;                                                                    \
    out += std::string_view(table).empty() ? "\n### Top-level keys\n\n"                    \
                                           : "\n### [" + std::string(table) + "]\n\n";     \
  }                                                                                        \
  out += "- `" + std::string(key) + "` (" + std::string(kind_text(#kind)) + ", default " + \
         std::string(def_doc) + "): " + std::string(doc) + "\n";
#include "config/config_keys.def"
  out +=
      "\n### [[events.sink]]\n\nOne table per sink of message-store events "
      "(docs/events.md); repeat `[[events.sink]]` for more.\n\n";
#define ZEST_SINK_KEY(key, member, kind, def, def_doc, doc)                                \
  out += "- `" + std::string(key) + "` (" + std::string(kind_text(#kind)) + ", default " + \
         std::string(def_doc) + "): " + std::string(doc) + "\n";
#include "config/config_keys.def"
  out +=
      "\n### [[notify.http.target]]\n\nOne table per URL prefix whose https notifications "
      "use another request format (docs/notifications.md); repeat `[[notify.http.target]]` "
      "for more.\n\n";
#define ZEST_TARGET_KEY(key, member, kind, def, def_doc, doc)                              \
  out += "- `" + std::string(key) + "` (" + std::string(kind_text(#kind)) + ", default " + \
         std::string(def_doc) + "): " + std::string(doc) + "\n";
#include "config/config_keys.def"
  (void)current;
  return out;
}

}  // namespace zest::config
