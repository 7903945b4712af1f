// zestd's and `zest deliver`'s log: one line per event, at the event's
// level (base/log_events.def), filtered by [log] level, shaped by [log]
// format (logfmt or json) and written to [log] target (stderr, syslog or
// journald with native fields). See docs/logging.md.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "base/log_format.hpp"
#include "config/server_config.hpp"

namespace zest::server {

struct LogOptions {
  enum class Format { Logfmt, Json };
  enum class Target { Stderr, Syslog, Journald };
  base::LogLevel level = base::LogLevel::Info;
  Format format = Format::Logfmt;
  Target target = Target::Stderr;
};

// The [log] table (its values were checked when the configuration loaded).
LogOptions log_options(const config::ServerConfig& cfg);

class Logger {
 public:
  explicit Logger(std::string prog, bool enabled = true);
  Logger(std::string prog, LogOptions options, bool enabled = true);
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // `line` is "event=<name> key=value ..." (base::log_field values).
  void write(std::string_view line);
  // SIGHUP may change the level; format and target stay until a restart.
  void set_level(base::LogLevel level) { level_.store(static_cast<int>(level)); }
  std::function<void(std::string_view)> fn() {
    return [this](std::string_view l) { write(l); };
  }

 private:
  void emit(base::LogLevel level, const std::vector<base::LogField>& fields);

  std::string prog_;
  bool enabled_;
  LogOptions options_;
  std::atomic<int> level_;
  std::mutex mu_;
};

}  // namespace zest::server
