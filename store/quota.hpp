// Storage used by one user's Maildir++, for the [quota] storage limit:
// the sizes of the messages in new/ and cur/ of INBOX and every folder,
// read from the S=<size> field of the file names zest and Dovecot write
// (stat() only for names without one). No cache: each call reads the
// directories.
#pragma once

#include <cstdint>
#include <filesystem>

namespace zest::store {

std::uint64_t maildir_usage(const std::filesystem::path& maildir);

}  // namespace zest::store
