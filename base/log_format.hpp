// The log line in its three shapes: logfmt (one "key=value ..." line, the
// default), JSON (one object per line) and journald fields. Every line
// starts as the logfmt fields of base/logfmt.hpp with `event=` first; its
// level is the event's (base/log_events.def). Pure: no I/O here, the
// targets are in server/logger.cpp.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace zest::base {

enum class LogLevel { Debug = 0, Info = 1, Warning = 2, Error = 3 };

// "debug", "info", "warning", "error"; nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view name);
std::string_view log_level_name(LogLevel level);
// syslog(3) priority: LOG_DEBUG 7, LOG_INFO 6, LOG_WARNING 4, LOG_ERR 3.
int syslog_priority(LogLevel level);

struct LogEventInfo {
  std::string_view name;
  LogLevel level;
  std::string_view fields;  // the keys after event=, space-separated
  std::string_view doc;
};
// Every event of base/log_events.def, in its order.
std::span<const LogEventInfo> log_events();
const LogEventInfo* find_log_event(std::string_view name);
// The Markdown table of docs/logging.md (`zestd --log-events-reference`).
std::string log_events_markdown();

struct LogField {
  std::string key, value;
  bool operator==(const LogField&) const = default;
};

// The fields of a line made of log_field()s, unescaped; a word without
// '=' is a key with an empty value.
std::vector<LogField> parse_logfmt(std::string_view line);
// The fields again as one logfmt line (log_field each): no CR or LF, so a
// value cannot start a line of its own.
std::string format_logfmt(std::span<const LogField> fields);

// A JSON string literal: quotes, backslashes and every control character
// escaped, invalid UTF-8 replaced by U+FFFD.
std::string json_string(std::string_view s);
// {"time":…,"level":…,"prog":…,"pid":…,<fields>}: one line, valid JSON.
std::string format_json(std::string_view time, LogLevel level, std::string_view prog, long pid,
                        std::span<const LogField> fields);

// The journald fields of a line (sd_journal_send's "NAME=value" strings):
// MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, SYSLOG_FACILITY (mail), and each
// field as ZEST_<KEY> (upper case; other characters become '_').
std::vector<std::string> journal_fields(std::string_view prog, LogLevel level,
                                        std::string_view message, std::span<const LogField> fields);

}  // namespace zest::base
