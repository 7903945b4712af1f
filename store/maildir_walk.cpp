#include "store/maildir_walk.hpp"

#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <fstream>
#include <map>
#include <sstream>

#include "base/file.hpp"
#include "interp/actions.hpp"
#include "store/uidlist.hpp"

namespace zest::store {
namespace fs = std::filesystem;

std::map<char, std::string> read_keyword_letters(const fs::path& dir) {
  std::map<char, std::string> out;
  std::ifstream in(dir / "dovecot-keywords");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    int idx = -1;
    std::string name;
    if (ls >> idx >> name && idx >= 0 && idx < 26) out[static_cast<char>('a' + idx)] = name;
  }
  return out;
}

std::vector<std::string> flags_from_file_name(std::string_view file_name,
                                              const std::map<char, std::string>& keywords) {
  std::vector<std::string> flags;
  const auto colon = file_name.rfind(":2,");
  if (colon == std::string_view::npos) return flags;
  for (char c : file_name.substr(colon + 3)) {
    switch (c) {
      case 'D':
        flags.emplace_back("\\Draft");
        break;
      case 'F':
        flags.emplace_back("\\Flagged");
        break;
      case 'R':
        flags.emplace_back("\\Answered");
        break;
      case 'S':
        flags.emplace_back("\\Seen");
        break;
      case 'T':
        flags.emplace_back("\\Deleted");
        break;
      default:
        if (auto it = keywords.find(c); it != keywords.end()) flags.push_back(it->second);
    }
  }
  return interp::canonical_flags(flags);
}

bool StoredMessage::deleted() const {
  return std::find(flags.begin(), flags.end(), "\\Deleted") != flags.end();
}

Result<FolderListing, StoreError> list_folder(const fs::path& dir) {
  using R = Result<FolderListing, StoreError>;
  if (!maildir_exists(dir))
    return R::failure({StoreErrorKind::Invalid, dir.string() + ": not a Maildir folder"});
  FolderListing out;
  std::map<std::string, std::uint32_t> uids;
  if (auto text = base::read_file(dir / "dovecot-uidlist"))
    if (auto parsed = parse_uidlist(*text)) {
      out.uidvalidity = parsed->header.uidvalidity;
      for (const auto& r : parsed->records) uids[r.base] = r.uid;
    }
  const auto keywords = read_keyword_letters(dir);
  for (const char* sub : {"cur", "new"}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir / sub, ec)) {
      const std::string name = e.path().filename().string();
      if (name.empty() || name.front() == '.' || !e.is_regular_file(ec)) continue;
      StoredMessage m{e.path(), name, 0, flags_from_file_name(name, keywords)};
      if (auto it = uids.find(maildir_base_name(name)); it != uids.end()) m.uid = it->second;
      out.messages.push_back(std::move(m));
    }
    if (ec) return R::failure(io_error(dir / sub, "list", ec.value()));
  }
  std::sort(out.messages.begin(), out.messages.end(),
            [](const StoredMessage& a, const StoredMessage& b) {
              if ((a.uid == 0) != (b.uid == 0)) return a.uid != 0;
              if (a.uid != b.uid) return a.uid < b.uid;
              return a.file_name < b.file_name;
            });
  return out;
}

std::optional<std::string> read_stored(const StoredMessage& m) {
  return base::read_file(m.path);
}

Result<fs::path, StoreError> set_stored_flags(const fs::path& dir, const StoredMessage& m,
                                              std::span<const std::string> flags) {
  using R = Result<fs::path, StoreError>;
  auto info = maildir_info_letters(dir, flags);
  if (!info) return R::failure(info.error());
  const std::string name = maildir_base_name(m.file_name) + ":2," + info.value();
  const fs::path target = dir / "cur" / name;
  if (target == m.path) return target;
  if (::rename(m.path.c_str(), target.c_str()) != 0)
    return R::failure(io_error(m.path, "rename", errno));
  if (auto r = fsync_dir(dir / "cur"); !r) return R::failure(r.error());
  if (m.path.parent_path() != dir / "cur")
    if (auto r = fsync_dir(m.path.parent_path()); !r) return R::failure(r.error());
  return target;
}

Result<bool, StoreError> expunge_stored(const StoredMessage& m) {
  using R = Result<bool, StoreError>;
  if (::unlink(m.path.c_str()) != 0 && errno != ENOENT)
    return R::failure(io_error(m.path, "unlink", errno));
  if (auto r = fsync_dir(m.path.parent_path()); !r) return R::failure(r.error());
  return true;
}

}  // namespace zest::store
