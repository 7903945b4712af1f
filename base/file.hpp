// Reading a whole (small) file into memory: configuration, scripts, the
// user database, the stores' own index files.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace zest::base {

// The bytes of the file, or nullopt when it cannot be opened.
std::optional<std::string> read_file(const std::filesystem::path& path);

}  // namespace zest::base
