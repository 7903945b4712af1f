#include "base/log_format.hpp"

#include <array>
#include <cstdio>

#include "base/logfmt.hpp"
#include "base/utf8.hpp"

namespace zest::base {
namespace {

constexpr LogEventInfo kEvents[] = {
#define ZEST_LOG_EVENT(name, level, fields, doc) {name, LogLevel::level, fields, doc},
#include "base/log_events.def"
};

// Markdown table cells: a '|' would end the cell.
std::string cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) {
  if (name == "debug") return LogLevel::Debug;
  if (name == "info") return LogLevel::Info;
  if (name == "warning") return LogLevel::Warning;
  if (name == "error") return LogLevel::Error;
  return std::nullopt;
}

std::string_view log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Debug:
      return "debug";
    case LogLevel::Info:
      return "info";
    case LogLevel::Warning:
      return "warning";
    case LogLevel::Error:
      return "error";
  }
  return "info";
}

int syslog_priority(LogLevel level) {
  switch (level) {
    case LogLevel::Debug:
      return 7;
    case LogLevel::Info:
      return 6;
    case LogLevel::Warning:
      return 4;
    case LogLevel::Error:
      return 3;
  }
  return 6;
}

std::span<const LogEventInfo> log_events() {
  return kEvents;
}

const LogEventInfo* find_log_event(std::string_view name) {
  for (const auto& e : kEvents)
    if (e.name == name) return &e;
  return nullptr;
}

std::string log_events_markdown() {
  std::string out = "| event | level | fields | meaning |\n|---|---|---|---|\n";
  for (const auto& e : kEvents) {
    std::string fields;
    std::string_view rest = e.fields;
    while (!rest.empty()) {
      const auto sp = rest.find(' ');
      const auto word = rest.substr(0, sp);
      if (!word.empty()) fields += (fields.empty() ? "`" : " `") + std::string(word) + "`";
      rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
    }
    out += "| `" + std::string(e.name) + "` | " + std::string(log_level_name(e.level)) + " | " +
           (fields.empty() ? "—" : fields) + " | " + cell(e.doc) + " |\n";
  }
  return out;
}

std::vector<LogField> parse_logfmt(std::string_view line) {
  std::vector<LogField> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i >= line.size()) break;
    LogField f;
    while (i < line.size() && line[i] != '=' && line[i] != ' ') f.key += line[i++];
    if (i < line.size() && line[i] == '=') {
      ++i;
      if (i < line.size() && line[i] == '"') {
        ++i;
        while (i < line.size() && line[i] != '"') {
          char c = line[i++];
          if (c == '\\' && i < line.size()) {
            c = line[i++];
            if (c == 'n')
              c = '\n';
            else if (c == 'r')
              c = '\r';
            else if (c == 't')
              c = '\t';
          }
          f.value += c;
        }
        if (i < line.size()) ++i;  // the closing quote
      } else {
        while (i < line.size() && line[i] != ' ') f.value += line[i++];
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::string format_logfmt(std::span<const LogField> fields) {
  std::string out;
  for (const auto& f : fields) {
    if (!out.empty()) out += ' ';
    out += log_field(f.key, f.value);
  }
  return out;
}

std::string json_string(std::string_view s) {
  const std::string text = replace_invalid_utf8(s);
  std::string out = "\"";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      continue;
    }
    out += ch;
  }
  return out + '"';
}

std::string format_json(std::string_view time, LogLevel level, std::string_view prog, long pid,
                        std::span<const LogField> fields) {
  std::string out = "{\"time\":" + json_string(time) +
                    ",\"level\":" + json_string(log_level_name(level)) +
                    ",\"prog\":" + json_string(prog) + ",\"pid\":" + std::to_string(pid);
  for (const auto& f : fields) {
    if (f.key.empty() || f.key == "time" || f.key == "level" || f.key == "prog" || f.key == "pid")
      continue;  // never a second key of the same name
    out += "," + json_string(f.key) + ":" + json_string(f.value);
  }
  return out + "}";
}

std::vector<std::string> journal_fields(std::string_view prog, LogLevel level,
                                        std::string_view message,
                                        std::span<const LogField> fields) {
  std::vector<std::string> out;
  out.push_back("MESSAGE=" + std::string(message));
  out.push_back("PRIORITY=" + std::to_string(syslog_priority(level)));
  out.push_back("SYSLOG_IDENTIFIER=" + std::string(prog));
  out.push_back("SYSLOG_FACILITY=2");  // mail
  for (const auto& f : fields) {
    if (f.key.empty()) continue;
    std::string name = "ZEST_";
    for (char c : f.key) {
      if (c >= 'a' && c <= 'z')
        name += static_cast<char>(c - 'a' + 'A');
      else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        name += c;
      else
        name += '_';
    }
    if (name.size() > 64) name.resize(64);  // journald's limit on field names
    out.push_back(name + "=" + f.value);
  }
  return out;
}

}  // namespace zest::base
