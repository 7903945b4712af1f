#include "store/dotlock.hpp"

#include "base/fd.hpp"
#include "store/maildir_tx.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <thread>
#include <utility>

namespace zest::store {
namespace fs = std::filesystem;
namespace {

using SR = Result<bool, StoreError>;
using Clock = std::chrono::system_clock;

// What identifies one version of a lock file: a holder that rewrites or
// touches it changes one of these.
struct Seen {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  struct timespec mtime {};
  bool operator==(const Seen& o) const {
    return dev == o.dev && ino == o.ino && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
           mtime.tv_nsec == o.mtime.tv_nsec;
  }
};

Seen seen_of(const struct stat& st) {
  return {st.st_dev, st.st_ino, st.st_size, st.st_mtim};
}

Clock::time_point to_time(const struct timespec& ts) {
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
      std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
}

std::string unique_suffix() {
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  unsigned char rnd[4] = {};
  if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != sizeof rnd) rnd[0] = 0;
  char hex[9];
  std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
  std::string h;
  for (const char* c = host; *c; ++c) h += (*c == '/' ? '_' : *c);
  return h + "." + std::to_string(::getpid()) + "." + hex;
}

// One attempt to create the lock file. Returns its fd, -1 with errno EEXIST
// when someone holds it, or -1 with another errno.
int try_create(const fs::path& lock, LockMethod method) {
  if (method == LockMethod::Excl)
    return ::open(lock.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  // NFSv2 has no exclusive create: link() a unique file to the lock name and
  // trust its link count, not link()'s answer (a retransmitted LINK may
  // report EEXIST after it succeeded).
  const fs::path tmp = lock.string() + "." + unique_suffix();
  const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return -1;
  const int lr = ::link(tmp.c_str(), lock.c_str());
  const int link_err = errno;
  struct stat st {};
  const bool ours = ::fstat(fd, &st) == 0 && st.st_nlink == 2;
  ::unlink(tmp.c_str());
  if (ours) return fd;
  ::close(fd);
  errno = lr != 0 && link_err != EEXIST ? link_err : EEXIST;
  return -1;
}

// Takes over a stale lock whose version is `stale`: renamed to a unique
// name first, so that a lock someone created meanwhile is not removed by
// mistake (it is put back when the renamed file is not the stale one).
bool override_stale(const fs::path& lock, const Seen& stale) {
  const fs::path away = lock.string() + ".stale." + unique_suffix();
  if (::rename(lock.c_str(), away.c_str()) != 0) return false;
  struct stat st {};
  const bool same = ::lstat(away.c_str(), &st) == 0 && seen_of(st) == stale;
  if (!same) (void)::link(away.c_str(), lock.c_str());  // fails if yet another lock exists
  ::unlink(away.c_str());
  return same;
}

}  // namespace

Result<Dotlock, StoreError> Dotlock::acquire(const fs::path& target, const LockSettings& settings) {
  using R = Result<Dotlock, StoreError>;
  const fs::path lock = target.string() + ".lock";
  const auto deadline = std::chrono::steady_clock::now() + settings.wait;
  Seen last{};
  Clock::time_point last_change{};
  bool watching = false;
  for (auto pause = std::chrono::milliseconds(1);;
       pause = std::min(pause * 2, std::chrono::milliseconds(50))) {
    const int fd = try_create(lock, settings.method);
    if (fd >= 0) return Dotlock(target, lock, fd);
    if (errno != EEXIST) return R::failure(io_error(lock, "create", errno));
    struct stat st {};
    if (::lstat(lock.c_str(), &st) == 0) {
      const Seen now_seen = seen_of(st);
      // The lock's age counts from its mtime, or from when we saw it change.
      if (!watching || !(now_seen == last)) {
        last_change = std::max(to_time(st.st_mtim), watching ? Clock::now() : Clock::time_point{});
        last = now_seen;
        watching = true;
      }
      const auto age = Clock::now() - last_change;
      if (age > settings.stale && override_stale(lock, last)) {
        if (settings.on_stale)
          settings.on_stale(lock, std::chrono::duration_cast<std::chrono::seconds>(age));
        watching = false;
        continue;
      }
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return R::failure({StoreErrorKind::Locked, lock.string() + ": still locked after " +
                                                     std::to_string(settings.wait.count()) +
                                                     " ms, giving up"});
    std::this_thread::sleep_for(pause);
  }
}

Dotlock::Dotlock(Dotlock&& o) noexcept
    : target_(std::move(o.target_)),
      lock_(std::move(o.lock_)),
      fd_(std::exchange(o.fd_, -1)),
      done_(std::exchange(o.done_, true)) {}

Dotlock::~Dotlock() {
  release();
  if (fd_ >= 0) ::close(fd_);
}

void Dotlock::release() {
  if (!done_ && fd_ >= 0 && held()) ::unlink(lock_.c_str());
  done_ = true;
}

bool Dotlock::held() const {
  struct stat mine {
  }, there{};
  if (fd_ < 0 || ::fstat(fd_, &mine) != 0 || ::lstat(lock_.c_str(), &there) != 0) return false;
  return mine.st_dev == there.st_dev && mine.st_ino == there.st_ino;
}

SR Dotlock::write(std::string_view data) {
  if (auto w = write_unsynced(data); !w) return w;
  return sync();
}

SR Dotlock::write_unsynced(std::string_view data) {
  if (const int err = base::write_all(fd_, data); err != 0)
    return SR::failure(io_error(lock_, "write", err));
  return true;
}

SR Dotlock::sync() {
  if (::fsync(fd_) != 0) return SR::failure(io_error(lock_, "fsync", errno));
  return true;
}

SR Dotlock::check_held() const {
  // Our lock was taken over as stale (or removed): whoever holds it now may
  // have written a newer version; writing ours over it would lose that.
  if (!held())
    return SR::failure({StoreErrorKind::Locked, lock_.string() +
                                                    ": the lock was taken over by another process "
                                                    "(held longer than the stale timeout?)"});
  return true;
}

SR Dotlock::replace() {
  if (auto r = rename_into_place(); !r) return r;
  return fsync_dir(target_.parent_path());
}

SR Dotlock::rename_into_place() {
  if (auto h = check_held(); !h) return h;
  if (::rename(lock_.c_str(), target_.c_str()) != 0)
    return SR::failure(io_error(lock_, "rename", errno));
  done_ = true;
  return true;
}

}  // namespace zest::store
