#include "delivery/notify_rate.hpp"

#include "base/fd.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <string>

namespace zest::delivery {
namespace {

class LockedFile {
 public:
  explicit LockedFile(const std::filesystem::path& p)
      : fd_(::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) {
    if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~LockedFile() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  LockedFile(const LockedFile&) = delete;
  LockedFile& operator=(const LockedFile&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

bool read_all(int fd, std::string& out) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > (1u << 20)) return false;  // not ours
  }
}

bool replace_contents(int fd, std::string_view data) {
  if (::lseek(fd, 0, SEEK_SET) != 0 || ::ftruncate(fd, 0) != 0) return false;
  return base::write_all(fd, data) == 0;
}

}  // namespace

bool FileRateLimiter::allow(std::string_view, std::int64_t now) {
  error_.clear();
  if (per_hour_ == 0) return true;
  LockedFile f(file_);
  std::string text;
  if (f.fd() < 0 || !read_all(f.fd(), text)) {
    error_ = file_.string() + ": " + std::strerror(errno);
    return true;
  }
  // One Unix time per line, oldest first.
  std::deque<std::int64_t> sent;
  for (std::size_t pos = 0; pos < text.size();) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    char* stop = nullptr;
    const long long t = std::strtoll(line.c_str(), &stop, 10);
    if (!line.empty() && stop && *stop == '\0' && t <= now) sent.push_back(t);
    pos = end + 1;
  }
  const bool admitted = methods::admit_in_hour(sent, per_hour_, now);
  std::string out;
  for (auto t : sent) out += std::to_string(t) + "\n";
  if (!replace_contents(f.fd(), out)) error_ = file_.string() + ": " + std::strerror(errno);
  return admitted;
}

}  // namespace zest::delivery
