// Writing small state files (duplicate ids, markers, indexes) so that a
// symlink or a file planted in a user-writable directory cannot redirect
// the write: the bytes go to a new temporary file created beside the target
// with O_CREAT|O_EXCL|O_NOFOLLOW (it cannot already exist, so it cannot be
// a link), mode 0600, and are renamed over the target. rename(2) replaces a
// planted symlink itself, never what it points to.
#pragma once

#include <sys/types.h>
#include <filesystem>
#include <string_view>

#include "base/result.hpp"

namespace zest::base {

// `data` as the new content of `path`, written privately (`mode`, 0600 by
// default), fsynced, then renamed into place. The temporary file is removed
// on failure.
Status write_file_atomic(const std::filesystem::path& path, std::string_view data,
                         mode_t mode = 0600);

// Opens (creating when absent) a file that is never a symlink, for lock and
// counter files: O_NOFOLLOW, mode 0600. Returns the fd, or -1 with errno set.
int open_private(const std::filesystem::path& path, int flags);

// Creates `dir` and its missing parents with mode 0700 (umask aside);
// existing directories are left as they are.
Status make_private_dirs(const std::filesystem::path& dir);

}  // namespace zest::base
