#include "store/maildir_clean.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace zest::store {
namespace fs = std::filesystem;
namespace {

std::chrono::system_clock::time_point to_time_point(const timespec& ts) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
}

void sweep(const fs::path& tmp, std::chrono::system_clock::time_point cutoff, TmpCleanup& out) {
  std::error_code ec;
  for (fs::directory_iterator it(tmp, ec), end; !ec && it != end; it.increment(ec)) {
    struct stat st {};
    // lstat: a symlink is judged (and removed) itself, never its target.
    if (::lstat(it->path().c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
    // Both times: a delivery still writing (mtime) or a reader (atime) is recent use.
    const auto last_use = std::max(to_time_point(st.st_atim), to_time_point(st.st_mtim));
    if (last_use >= cutoff) continue;
    if (::unlink(it->path().c_str()) == 0)
      ++out.removed;
    else
      ++out.failed;
  }
}

}  // namespace

TmpCleanup clean_maildir_tmp(const fs::path& maildir, std::chrono::system_clock::time_point now,
                             std::chrono::seconds max_age) {
  TmpCleanup out;
  const auto cutoff = now - max_age;
  std::error_code ec;
  if (!fs::is_directory(maildir, ec)) return out;
  sweep(maildir / "tmp", cutoff, out);
  for (fs::directory_iterator it(maildir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // Maildir++ folders are ".Name" directories; "." and ".." never show up here.
    if (name.size() < 2 || name[0] != '.' || !it->is_directory(ec)) continue;
    sweep(it->path() / "tmp", cutoff, out);
  }
  return out;
}

}  // namespace zest::store
