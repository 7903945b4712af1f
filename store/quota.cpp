#include "store/quota.hpp"

#include <charconv>
#include <string>

namespace zest::store {
namespace fs = std::filesystem;
namespace {

std::uint64_t folder_usage(const fs::path& dir, SizeFrom from) {
  std::uint64_t total = 0;
  for (const char* sub : {"new", "cur"}) {
    std::error_code ec;
    for (fs::directory_iterator it(dir / sub, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.starts_with(".")) continue;
      const std::string base = name.substr(0, name.find(':'));
      std::uint64_t size = 0;
      bool known = false;
      if (const auto s = base.find(",S="); from == SizeFrom::Names && s != std::string::npos) {
        const char* b = base.data() + s + 3;
        const char* e = base.data() + base.size();
        const auto r = std::from_chars(b, e, size);
        known = r.ec == std::errc() && r.ptr != b;
      }
      if (!known) {
        std::error_code sec;
        size = it->file_size(sec);
        if (sec) size = 0;  // vanished meanwhile (expunged)
      }
      total += size;
    }
  }
  return total;
}

}  // namespace

std::uint64_t maildir_usage(const fs::path& maildir, SizeFrom from) {
  std::uint64_t total = folder_usage(maildir, from);
  std::error_code ec;
  for (fs::directory_iterator it(maildir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > 1 && name[0] == '.' && name != ".." && it->is_directory(ec))
      total += folder_usage(it->path(), from);
  }
  return total;
}

}  // namespace zest::store
