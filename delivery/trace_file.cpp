#include "delivery/trace_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "base/text.hpp"

namespace zest::delivery {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kFlushAt = 64 * 1024;
constexpr std::size_t kMaxTraceSize = 16 * 1024 * 1024;  // per run; the rest is dropped

// The session id as a file-name part: letters, digits, '-' and '_' only.
std::string file_part(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64))
    out += (base::ascii_lower(c) >= 'a' && base::ascii_lower(c) <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_'
               ? c
               : '_';
  return out.empty() ? "run" : out;
}

}  // namespace

int trace_level_of(std::string_view name) {
  const std::string n = base::to_lower(name);
  if (n.empty() || n == "none") return 0;
  if (n == "actions") return 1;
  if (n == "commands") return 2;
  if (n == "tests") return 3;
  if (n == "matching") return 4;
  return -1;
}

std::unique_ptr<FileTrace> FileTrace::open(const interp::EngineSettings& settings,
                                           const fs::path& home, std::string_view session,
                                           std::string& error) {
  const std::string dir_setting = settings.value("trace_dir");
  const int level = trace_level_of(settings.value("trace_level"));
  if (dir_setting.empty() || level <= 0) return nullptr;
  fs::path dir;
  if (dir_setting.starts_with("~/"))
    dir = home / dir_setting.substr(2);
  else if (dir_setting == "~")
    dir = home;
  else
    dir = fs::path(dir_setting).is_absolute() ? fs::path(dir_setting) : home / dir_setting;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return nullptr;  // tracing is off for this user

  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  const std::string base =
      std::string(stamp) + "." + std::to_string(::getpid()) + "." + file_part(session);
  for (int n = 0; n < 100; ++n) {
    fs::path path = dir / (base + (n == 0 ? "" : "." + std::to_string(n)) + ".trace");
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
      auto t = std::make_unique<FileTrace>(fd, std::move(path));
      t->level = level;
      t->debug = base::is_yes(settings.value("trace_debug"));
      t->addresses = base::is_yes(settings.value("trace_addresses"));
      return t;
    }
    if (errno != EEXIST) {
      error = "cannot create trace file " + path.string() + ": " + std::strerror(errno);
      return nullptr;
    }
  }
  error = "cannot create a trace file in " + dir.string() + ": too many files with one name";
  return nullptr;
}

FileTrace::~FileTrace() {
  flush();
  ::close(fd_);
}

void FileTrace::trace(std::string_view line) {
  if (truncated_) return;
  if (written_ + buffer_.size() + line.size() + 1 > kMaxTraceSize) {
    buffer_ += "## trace truncated: more than " + std::to_string(kMaxTraceSize) + " bytes\n";
    truncated_ = true;
  } else {
    buffer_.append(line);
    buffer_ += '\n';
  }
  if (buffer_.size() >= kFlushAt || truncated_) flush();
}

void FileTrace::flush() {
  std::string_view rest = buffer_;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // a trace is best effort: the delivery goes on
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  written_ += buffer_.size();
  buffer_.clear();
}

}  // namespace zest::delivery
