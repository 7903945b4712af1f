// Removal of stale files from Maildir tmp/ directories. By the Maildir
// convention (maildir(5)) a file left in tmp/ for 36 hours belongs to an
// interrupted delivery and is garbage; zestd sweeps at startup.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>

namespace zest::store {

struct TmpCleanup {
  std::size_t removed = 0;
  std::size_t failed = 0;  // stale but could not be removed
};

inline constexpr std::chrono::hours kStaleTmpAge{36};

// Sweeps <maildir>/tmp and the tmp/ of every Maildir++ folder (".Name")
// under it: non-directories whose last access and modification are both
// older than `now - max_age` are removed. A missing maildir is no error.
TmpCleanup clean_maildir_tmp(const std::filesystem::path& maildir,
                             std::chrono::system_clock::time_point now,
                             std::chrono::seconds max_age = kStaleTmpAge);

}  // namespace zest::store
