// zestd's configuration: every key of config_keys.def, with its default.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "interp/settings.hpp"

namespace zest::transport {
struct RedisEndpoint;
}

namespace zest::config {

// One [[events.sink]] table.
struct EventSinkConfig {
  using String = std::string;
  using StringList = std::vector<std::string>;
  using Int = std::int64_t;
  using Bool = bool;
#define ZEST_SINK_KEY(key, member, kind, def, def_doc, doc) kind member = def;
#include "config/config_keys.def"
  std::string url_position;  // "<file>:<line>:<column>" of `url`
};

// One [[notify.http.target]] table.
struct NotifyTargetConfig {
  using String = std::string;
  using StringList = std::vector<std::string>;
  using Int = std::int64_t;
  using Bool = bool;
#define ZEST_TARGET_KEY(key, member, kind, def, def_doc, doc) kind member = def;
#include "config/config_keys.def"
};

struct ServerConfig {
  using String = std::string;
  using StringList = std::vector<std::string>;
  using Int = std::int64_t;
  using Bool = bool;
#define ZEST_KEY(table, key, member, kind, def, def_doc, doc) kind member = def;
#include "config/config_keys.def"
  std::vector<EventSinkConfig> event_sinks;             // [[events.sink]]
  std::vector<NotifyTargetConfig> notify_http_targets;  // [[notify.http.target]]
  interp::EngineSettings sieve;                         // the [sieve] table
  std::string source;                                   // file name, or "(built-in defaults)"
  // "<file>:<line>:<column>" of each key set in the file, by its name as
  // errors spell it ("[lmtp] tls_cert", "[[events.sink]] <name> url",
  // "[sieve] extensions"), so later checks can point at the line.
  std::map<std::string, std::string, std::less<>> positions;
  // Where `key` was set, else the file name (a default is at fault).
  std::string position_of(std::string_view key) const;
};

// Parses and validates (unknown keys and tables are errors; [sieve] is
// parsed by parse_engine_settings). Fills derived defaults (hostname,
// postmaster_address, passwd_file).
Result<ServerConfig> parse_server_config(std::string_view toml_text, std::string_view source_name);
Result<ServerConfig> load_server_config(std::string_view path);
ServerConfig default_server_config();

// The Redis of [state] backend = "redis": its url with ca_file and
// tls_verify (zestd's deliveries, event sequences and ManageSieve counts).
Result<transport::RedisEndpoint> state_redis_endpoint(const ServerConfig& c);

// The effective configuration as TOML, defaults included, secrets
// (passwords, webhook and sink secrets) replaced by "<hidden>"
// (`zestd --dump-config`, like `doveconf -n`).
std::string dump_server_config(const ServerConfig& c);

// The Markdown reference of every key (for docs/configuration.md).
std::string config_reference_markdown();

}  // namespace zest::config
