#include "store/maildir.hpp"

#include "base/atomic_file.hpp"
#include "base/fd.hpp"
#include "base/text.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace zest::store {
namespace fs = std::filesystem;
namespace {

Result<bool> fsync_path(const fs::path& p, int flags) {
  const int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Result<bool>::failure(p.string() + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Result<bool>::failure(p.string() + ": fsync: " + std::strerror(err));
  return true;
}

std::string unique_name() {
  static std::atomic<unsigned> counter{0};  // unique within the process
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  for (char* c = host; *c; ++c)
    if (*c == '/' || *c == ':') *c = '_';
  return std::to_string(us / 1000000) + ".M" + std::to_string(us % 1000000) + "P" +
         std::to_string(::getpid()) + "Q" + std::to_string(counter++) + "." + host;
}

char flag_letter(std::string_view flag) {
  if (flag == "\\Draft") return 'D';
  if (flag == "\\Flagged") return 'F';
  if (flag == "\\Answered") return 'R';
  if (flag == "\\Seen") return 'S';
  if (flag == "\\Deleted") return 'T';
  return 0;
}

}  // namespace

Result<fs::path> Maildir::folder_path(std::string_view mailbox) const {
  using R = Result<fs::path>;
  if (mailbox.empty()) return R::failure("empty mailbox name");
  std::string_view first = mailbox.substr(0, mailbox.find('/'));
  std::string rest = std::string(mailbox);
  if (base::iequals(first, "inbox")) {
    if (first.size() == mailbox.size()) return root_;
    rest = rest.substr(first.size() + 1);
  }
  std::string dir = ".";
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = rest.find('/', start);
    const std::string_view part = std::string_view(rest).substr(start, slash - start);
    if (part.empty())
      return R::failure("invalid folder name '" + std::string(mailbox) +
                        "': empty hierarchy component");
    if (part.find('.') != std::string_view::npos)
      return R::failure("invalid folder name '" + std::string(mailbox) +
                        "': '.' is not allowed in a folder name");
    if (start > 0) dir += '.';
    dir += part;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return root_ / dir;
}

bool Maildir::folder_exists(std::string_view mailbox) const {
  auto p = folder_path(mailbox);
  std::error_code ec;
  return p && fs::is_directory(*p / "cur", ec);
}

Result<bool> Maildir::create_folder(std::string_view mailbox) const {
  auto p = folder_path(mailbox);
  if (!p) return Result<bool>::failure(p.error());
  std::error_code ec;
  for (const char* sub : {"cur", "new", "tmp"}) {
    if (auto s = base::make_private_dirs(*p / sub); !s) return Result<bool>::failure(s.error());
  }
  if (*p != root_) {
    // Dovecot's marker of a Maildir++ folder.
    const int fd = base::open_private(*p / "maildirfolder", O_WRONLY);
    if (fd >= 0) ::close(fd);
  }
  return true;
}

Result<std::string> Maildir::deliver(std::string_view mailbox, std::string_view message,
                                     const std::vector<std::string>& flags) const {
  using R = Result<std::string>;
  auto dir = folder_path(mailbox);
  if (!dir) return R::failure(dir.error());
  if (!folder_exists(mailbox))
    return R::failure("mailbox '" + std::string(mailbox) + "' does not exist");
  const std::string base = unique_name() + ",S=" + std::to_string(message.size());
  const fs::path tmp = *dir / "tmp" / base;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return R::failure(tmp.string() + ": " + std::strerror(errno));
  if (const int err = base::write_all(fd, message); err != 0) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return R::failure(tmp.string() + ": write: " + std::strerror(err));
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return R::failure(tmp.string() + ": " + std::strerror(err));
  }
  std::string info;
  for (const auto& f : flags)
    if (char c = flag_letter(f)) info += c;
  std::sort(info.begin(), info.end());
  const bool to_cur = !info.empty();
  const std::string name = to_cur ? base + ":2," + info : base;
  const fs::path final_path = *dir / (to_cur ? "cur" : "new") / name;
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return R::failure(final_path.string() + ": rename: " + std::strerror(err));
  }
  if (auto r = fsync_path(final_path.parent_path(), O_RDONLY | O_DIRECTORY); !r)
    return R::failure(r.error());
  return name;
}

}  // namespace zest::store
