// Storage used by one user's Maildir++, for the [quota] storage limit:
// the sizes of the messages in new/ and cur/ of INBOX and every folder,
// read from the S=<size> field of the file names zest and Dovecot write
// (stat() only for names without one, or for every file with
// SizeFrom::Stat). No cache: each call reads the directories.
#pragma once

#include <cstdint>
#include <filesystem>

namespace zest::store {

// Names: the S=<size> of each file name (what delivery counts, cheap).
// Stat: every file's size on disk (`zest quota recalc`: finds names whose
// S= does not match the file).
enum class SizeFrom { Names, Stat };

std::uint64_t maildir_usage(const std::filesystem::path& maildir, SizeFrom from = SizeFrom::Names);

}  // namespace zest::store
