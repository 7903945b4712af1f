#include "store/uidlist.hpp"

#include "base/fd.hpp"
#include "base/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <thread>

namespace zest::store {
namespace fs = std::filesystem;
namespace {

using SR = Result<bool, StoreError>;

std::optional<std::uint32_t> number(std::string_view s) {
  std::uint32_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  while (!line.empty()) {
    const auto sp = line.find(' ');
    if (sp != 0) out.push_back(line.substr(0, sp));
    if (sp == std::string_view::npos) break;
    line.remove_prefix(sp + 1);
  }
  return out;
}

}  // namespace

std::string maildir_base_name(std::string_view file_name) {
  return std::string(file_name.substr(0, file_name.find(':')));
}

std::optional<ParsedUidList> parse_uidlist(std::string_view text) {
  ParsedUidList out;
  const auto nl = text.find('\n');
  const auto head = words(text.substr(0, nl));
  if (head.empty()) return std::nullopt;
  if (head[0] == "3") {
    bool have_v = false, have_n = false;
    for (std::size_t i = 1; i < head.size(); ++i) {
      const std::string_view w = head[i];
      if (w.size() > 1 && w[0] == 'V') {
        auto v = number(w.substr(1));
        if (!v) return std::nullopt;
        out.header.uidvalidity = *v;
        have_v = true;
      } else if (w.size() > 1 && w[0] == 'N') {
        auto v = number(w.substr(1));
        if (!v) return std::nullopt;
        out.header.next_uid = *v;
        have_n = true;
      } else {
        out.header_rest += ' ';
        out.header_rest += w;
      }
    }
    if (!have_v || !have_n) return std::nullopt;
  } else if (head[0] == "1" && head.size() == 3) {
    auto v = number(head[1]);
    auto n = number(head[2]);
    if (!v || !n) return std::nullopt;
    out.header = {*v, *n};
  } else {
    return std::nullopt;
  }
  std::string_view rest = nl == std::string_view::npos ? "" : text.substr(nl + 1);
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    if (end == std::string_view::npos) {
      // A record without its newline was cut short (Dovecot skips it too).
      out.truncated = true;
      break;
    }
    const std::string_view line = rest.substr(0, end);
    rest = rest.substr(end + 1);
    if (line.empty()) continue;
    const auto sp = line.find(' ');
    auto uid = number(line.substr(0, sp));
    // UID 0 is not a UID; the largest one leaves no next UID (RFC 3501 §2.3.1.1).
    if (!uid || *uid == 0 || *uid == UINT32_MAX || sp == std::string_view::npos)
      return std::nullopt;
    // Version 3 puts the name after " :"; version 1 after the last space.
    const auto colon = line.find(" :");
    const std::string_view name =
        colon != std::string_view::npos ? line.substr(colon + 2) : line.substr(line.rfind(' ') + 1);
    // Version 1 lines are rewritten in version 3's form with the header.
    out.records.push_back({*uid, maildir_base_name(name),
                           colon != std::string_view::npos
                               ? std::string(line)
                               : std::to_string(*uid) + " :" + std::string(name)});
    if (*uid >= out.header.next_uid) out.header.next_uid = *uid + 1;
  }
  return out;
}

UidListLock::UidListLock(fs::path dir, Dotlock lock, ParsedUidList list, bool changed,
                         LockSettings settings)
    : dir_(std::move(dir)),
      lock_(std::move(lock)),
      list_(std::move(list)),
      changed_(changed),
      settings_(std::move(settings)) {}

UidListLock::UidListLock(UidListLock&& o) noexcept
    : dir_(std::move(o.dir_)),
      lock_(std::move(o.lock_)),
      list_(std::move(o.list_)),
      changed_(o.changed_),
      settings_(std::move(o.settings_)),
      appendable_(o.appendable_),
      read_size_(o.read_size_),
      read_records_(o.read_records_) {}

UidListLock::~UidListLock() = default;

Result<UidListLock, StoreError> UidListLock::acquire(const fs::path& dir,
                                                     const LockSettings& settings) {
  using R = Result<UidListLock, StoreError>;
  auto lock = Dotlock::acquire(dir / "dovecot-uidlist", settings);
  if (!lock) return R::failure(lock.error());
  ParsedUidList list;
  bool changed = false;
  bool appendable = false;
  std::size_t read_size = 0;
  if (const auto text = base::read_file(dir / "dovecot-uidlist")) {
    auto parsed = parse_uidlist(*text);
    if (!parsed)
      return R::failure(
          {StoreErrorKind::Io, (dir / "dovecot-uidlist").string() + ": unknown format"});
    list = std::move(*parsed);
    // Version 1 lists and lists cut short are rewritten whole.
    appendable = text->starts_with("3 ") && text->ends_with('\n') && !list.truncated;
    read_size = text->size();
  } else {
    list.header.uidvalidity = static_cast<std::uint32_t>(std::time(nullptr));
    list.header.next_uid = 1;
    changed = true;
  }
  UidListLock held(dir, std::move(lock.value()), std::move(list), changed, settings);
  held.appendable_ = appendable;
  held.read_size_ = read_size;
  held.read_records_ = held.list_.records.size();
  return held;
}

std::uint32_t UidListLock::add(std::string_view file_name) {
  const std::string base = maildir_base_name(file_name);
  for (const auto& r : list_.records)
    if (r.base == base) return r.uid;
  const std::uint32_t uid = list_.header.next_uid++;
  list_.records.push_back({uid, base, std::to_string(uid) + " :" + base});
  changed_ = true;
  return uid;
}

Result<bool, StoreError> UidListLock::prepare() {
  if (auto w = prepare_unsynced(); !w) return w;
  return sync_prepared();
}

Result<bool, StoreError> UidListLock::prepare_unsynced() {
  if (!rewrites()) return true;
  std::string text = "3 V" + std::to_string(list_.header.uidvalidity) + " N" +
                     std::to_string(list_.header.next_uid) + list_.header_rest + "\n";
  for (const auto& r : list_.records) text += r.line + "\n";
  return lock_.write_unsynced(text);
}

Result<bool, StoreError> UidListLock::sync_prepared() {
  if (!rewrites()) return true;
  return lock_.sync();
}

Result<bool, StoreError> UidListLock::commit() {
  if (!changed_) return true;  // the destructor removes the unchanged lock
  if (appendable_) return append();
  return lock_.replace();
}

Result<bool, StoreError> UidListLock::append() {
  const fs::path file = dir_ / "dovecot-uidlist";
  // Taken over as stale: the new holder may be rewriting the list.
  if (auto h = lock_.check_held(); !h) return h;
  auto rewrite = [this]() -> SR {
    appendable_ = false;
    if (auto w = prepare(); !w) return w;
    return lock_.replace();
  };
  // Never through a symlink: the rename of a rewrite replaces the link.
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && (errno == ELOOP || errno == ENOENT)) return rewrite();
  if (fd < 0) return SR::failure(io_error(file, "open", errno));
  base::Fd owned(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return SR::failure(io_error(file, "fstat", errno));
  // Changed without the lock since we read it (or not a regular file):
  // rewrite it whole from what we read plus our lines.
  if (!S_ISREG(st.st_mode) || static_cast<std::size_t>(st.st_size) != read_size_) return rewrite();
  std::string lines;
  for (std::size_t i = read_records_; i < list_.records.size(); ++i)
    lines += list_.records[i].line + "\n";
  if (const int err = base::write_all(fd, lines); err != 0)
    return SR::failure(io_error(file, "write", err));
  if (::fdatasync(fd) != 0) return SR::failure(io_error(file, "fdatasync", errno));
  if (::close(owned.release()) != 0) return SR::failure(io_error(file, "close", errno));
  lock_.release();
  return true;
}

}  // namespace zest::store
