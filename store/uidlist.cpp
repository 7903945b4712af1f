#include "store/uidlist.hpp"

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

// Dovecot's stale timeout for the uidlist dotlock (MAILDIR_UIDLIST_LOCK_STALE_TIMEOUT).
constexpr auto kStale = std::chrono::minutes(2);

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
    const std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? "" : rest.substr(end + 1);
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
    out.records.push_back({*uid, maildir_base_name(name), std::string(line)});
    if (*uid >= out.header.next_uid) out.header.next_uid = *uid + 1;
  }
  return out;
}

UidListLock::UidListLock(fs::path dir, int fd, ParsedUidList list, bool changed)
    : dir_(std::move(dir)), fd_(fd), list_(std::move(list)), changed_(changed) {}

UidListLock::UidListLock(UidListLock&& o) noexcept
    : dir_(std::move(o.dir_)),
      fd_(std::exchange(o.fd_, -1)),
      list_(std::move(o.list_)),
      changed_(o.changed_),
      committed_(std::exchange(o.committed_, true)) {}

UidListLock::~UidListLock() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink((dir_ / "dovecot-uidlist.lock").c_str());
}

Result<UidListLock, StoreError> UidListLock::acquire(const fs::path& dir,
                                                     std::chrono::milliseconds wait) {
  using R = Result<UidListLock, StoreError>;
  const fs::path lock = dir / "dovecot-uidlist.lock";
  const auto deadline = std::chrono::steady_clock::now() + wait;
  int fd = -1;
  for (auto pause = std::chrono::milliseconds(1);;
       pause = std::min(pause * 2, decltype(pause)(50))) {
    fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) break;
    if (errno != EEXIST) return R::failure(io_error(lock, "open", errno));
    struct stat st {};
    if (::stat(lock.c_str(), &st) == 0 &&
        std::chrono::system_clock::now() - std::chrono::system_clock::from_time_t(st.st_mtime) >
            kStale) {
      ::unlink(lock.c_str());
      continue;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return R::failure({StoreErrorKind::Io, lock.string() + ": still locked, giving up"});
    std::this_thread::sleep_for(pause);
  }
  ParsedUidList list;
  bool changed = false;
  if (const auto text = base::read_file(dir / "dovecot-uidlist")) {
    auto parsed = parse_uidlist(*text);
    if (!parsed) {
      ::close(fd);
      ::unlink(lock.c_str());
      return R::failure(
          {StoreErrorKind::Io, (dir / "dovecot-uidlist").string() + ": unknown format"});
    }
    list = std::move(*parsed);
  } else {
    list.header.uidvalidity = static_cast<std::uint32_t>(std::time(nullptr));
    list.header.next_uid = 1;
    changed = true;
  }
  return UidListLock(dir, fd, std::move(list), changed);
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
  if (!changed_) return true;
  std::string text = "3 V" + std::to_string(list_.header.uidvalidity) + " N" +
                     std::to_string(list_.header.next_uid) + list_.header_rest + "\n";
  for (const auto& r : list_.records) text += r.line + "\n";
  const fs::path lock = dir_ / "dovecot-uidlist.lock";
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return SR::failure(io_error(lock, "write", errno));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd_) != 0) return SR::failure(io_error(lock, "fsync", errno));
  return true;
}

Result<bool, StoreError> UidListLock::commit() {
  if (!changed_) return true;  // the destructor removes the unchanged lock
  const fs::path lock = dir_ / "dovecot-uidlist.lock";
  if (::rename(lock.c_str(), (dir_ / "dovecot-uidlist").c_str()) != 0)
    return SR::failure(io_error(lock, "rename", errno));
  committed_ = true;
  return fsync_dir(dir_);
}

}  // namespace zest::store
