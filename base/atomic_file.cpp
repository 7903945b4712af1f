#include "base/atomic_file.hpp"

#include "base/fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <random>

namespace zest::base {
namespace fs = std::filesystem;

namespace {

std::string error_of(const fs::path& p, const char* what, int err) {
  return p.string() + ": " + what + ": " + std::strerror(err);
}

// A name beside the target that nobody can predict, so that it cannot have
// been planted in advance (O_EXCL would refuse it anyway).
fs::path temp_name(const fs::path& path, std::mt19937_64& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string suffix;
  for (std::uint64_t r = rng(), i = 0; i < 12; ++i, r >>= 4) suffix += kHex[r & 15];
  return path.parent_path() / ("." + path.filename().string() + ".tmp." + suffix);
}

}  // namespace

Status write_file_atomic(const fs::path& path, std::string_view data, mode_t mode) {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^ ::getpid());
  fs::path tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 8 && fd < 0; ++attempt) {
    tmp = temp_name(path, rng);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) return Status::failure(error_of(tmp, "open", errno));
  auto fail = [&](const char* what) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return Status::failure(error_of(tmp, what, err));
  };
  if (const int err = write_all(fd, data); err != 0) {
    errno = err;
    return fail("write");
  }
  // The umask may have narrowed the mode; it never widens it past `mode`.
  if (::fchmod(fd, mode) != 0) return fail("chmod");
  if (::fsync(fd) != 0) return fail("fsync");
  const int closed = ::close(fd);
  fd = -1;
  if (closed != 0) return fail("close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename");
  return Status::success();
}

int open_private(const fs::path& path, int flags) {
  return ::open(path.c_str(), flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
}

Status make_private_dirs(const fs::path& dir) {
  if (dir.empty()) return Status::success();
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return Status::success();
  if (dir.has_parent_path() && dir.parent_path() != dir)
    if (auto s = make_private_dirs(dir.parent_path()); !s) return s;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::failure(error_of(dir, "mkdir", errno));
  return Status::success();
}

}  // namespace zest::base
