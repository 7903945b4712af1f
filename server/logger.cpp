#include "server/logger.hpp"

#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <vector>

#ifdef ZEST_HAVE_JOURNALD
#include <systemd/sd-journal.h>
#endif

namespace zest::server {
namespace {

std::string now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char ts[80];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(ms));
  return ts;
}

#ifdef ZEST_HAVE_JOURNALD
bool send_journal(const std::vector<std::string>& fields) {
  std::vector<iovec> iov;
  iov.reserve(fields.size());
  for (const auto& f : fields)
    iov.push_back({const_cast<char*>(f.data()), f.size()});  // NOLINT: sd_journal_sendv's API
  return ::sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) >= 0;
}
#else
bool send_journal(const std::vector<std::string>&) {
  return false;
}
#endif

}  // namespace

LogOptions log_options(const config::ServerConfig& cfg) {
  LogOptions o;
  o.level = base::parse_log_level(cfg.log_level).value_or(base::LogLevel::Info);
  o.format = cfg.log_format == "json" ? LogOptions::Format::Json : LogOptions::Format::Logfmt;
  if (cfg.log_target == "syslog") o.target = LogOptions::Target::Syslog;
  if (cfg.log_target == "journald") o.target = LogOptions::Target::Journald;
  return o;
}

Logger::Logger(std::string prog, bool enabled)
    : prog_(std::move(prog)), enabled_(enabled), level_(static_cast<int>(base::LogLevel::Info)) {}

Logger::Logger(std::string prog, LogOptions options, bool enabled)
    : prog_(std::move(prog)),
      enabled_(enabled),
      options_(options),
      level_(static_cast<int>(options.level)) {
  // syslog keeps the ident pointer: prog_ lives as long as the logger.
  if (enabled_ && options_.target == LogOptions::Target::Syslog)
    ::openlog(prog_.c_str(), LOG_PID | LOG_NDELAY, LOG_MAIL);
}

Logger::~Logger() {
  if (enabled_ && options_.target == LogOptions::Target::Syslog) ::closelog();
}

void Logger::write(std::string_view line) {
  if (!enabled_) return;
  auto fields = base::parse_logfmt(line);
  base::LogLevel level = base::LogLevel::Info;
  if (!fields.empty() && fields.front().key == "event")
    if (const auto* e = base::find_log_event(fields.front().value)) level = e->level;
  if (static_cast<int>(level) < level_.load()) return;
  emit(level, fields);
}

void Logger::emit(base::LogLevel level, const std::vector<base::LogField>& fields) {
  // Re-rendered from the parsed fields: whatever a caller put in a value,
  // the line stays one line.
  const bool json = options_.format == LogOptions::Format::Json;
  const std::string time = now_rfc3339();
  const long pid = static_cast<long>(::getpid());
  const std::string body =
      json ? base::format_json(time, level, prog_, pid, fields) : base::format_logfmt(fields);
  std::lock_guard lock(mu_);
  switch (options_.target) {
    case LogOptions::Target::Syslog:
      ::syslog(base::syslog_priority(level), "%s", body.c_str());
      return;
    case LogOptions::Target::Journald:
      if (send_journal(base::journal_fields(prog_, level, body, fields))) return;
      break;  // no journal to write to: stderr, which systemd also collects
    case LogOptions::Target::Stderr:
      break;
  }
  // One write per line: stderr is unbuffered, and a line written in
  // pieces costs a system call each (and could interleave with another
  // process writing to the same file).
  std::string line = json ? body : time + ' ' + prog_ + '[' + std::to_string(pid) + "]: " + body;
  line += '\n';
  std::cerr.write(line.data(), static_cast<std::streamsize>(line.size()));
  std::cerr.flush();
}

}  // namespace zest::server
