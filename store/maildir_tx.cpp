#include "store/maildir_tx.hpp"

#include "base/atomic_file.hpp"
#include "base/base64.hpp"
#include "base/fd.hpp"
#include "base/text.hpp"
#include "interp/actions.hpp"
#include "store/dotlock.hpp"
#include "store/uidlist.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>

namespace zest::store {
namespace fs = std::filesystem;

StoreError io_error(const fs::path& p, std::string_view what, int err) {
  return {StoreErrorKind::Io, p.string() + ": " + std::string(what) + ": " + std::strerror(err)};
}

namespace {

using SR = Result<bool, StoreError>;

using base::Fd;

std::string host_part() {
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  std::string out;
  for (const char* c = host; *c; ++c) {
    if (*c == '/')
      out += "\\057";
    else if (*c == ':')
      out += "\\072";
    else
      out += *c;
  }
  return out;
}

// <secs>.M<usec>P<pid>Q<n>R<random>.<host> — unique across processes and hosts.
std::string unique_base() {
  static std::atomic<unsigned long> counter{0};  // per-process sequence, part of the name
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  unsigned char rnd[4] = {};
  if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != sizeof rnd) std::memset(rnd, 0, sizeof rnd);
  char hex[9];
  std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
  return std::to_string(us / 1000000) + ".M" + std::to_string(us % 1000000) + "P" +
         std::to_string(::getpid()) + "Q" + std::to_string(++counter) + "R" + hex + "." +
         host_part();
}

char flag_letter(std::string_view flag) {
  const std::string f = base::to_lower(flag);
  if (f == "\\draft") return 'D';
  if (f == "\\flagged") return 'F';
  if (f == "\\answered") return 'R';
  if (f == "\\seen") return 'S';
  if (f == "\\deleted") return 'T';
  return 0;
}

}  // namespace

std::string utf8_to_mutf7(std::string_view in) {
  // RFC 3501 §5.1.3: printable ASCII stays ("&" is "&-"), runs of other
  // characters become "&" + modified BASE64 of UTF-16BE + "-".
  // Modified BASE64 is RFC 4648 base64 with ',' for '/' and no padding.
  std::string out;
  std::string run;  // UTF-16BE
  auto flush = [&] {
    if (run.empty()) return;
    std::string b64 = base::base64_encode(run);
    while (!b64.empty() && b64.back() == '=') b64.pop_back();
    std::replace(b64.begin(), b64.end(), '/', ',');
    out += '&' + b64 + '-';
    run.clear();
  };
  auto push = [&](std::uint32_t unit) {
    run += static_cast<char>(unit >> 8);
    run += static_cast<char>(unit & 0xff);
  };
  for (std::size_t i = 0; i < in.size();) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c >= 0x20 && c < 0x7f) {
      flush();
      out += c == '&' ? std::string("&-") : std::string(1, static_cast<char>(c));
      ++i;
      continue;
    }
    std::uint32_t cp = 0xfffd;
    int len = 1;
    if (c >= 0xf0)
      len = 4, cp = c & 0x07;
    else if (c >= 0xe0)
      len = 3, cp = c & 0x0f;
    else if (c >= 0xc0)
      len = 2, cp = c & 0x1f;
    else
      cp = c;
    if (len > 1) {
      if (i + static_cast<std::size_t>(len) > in.size()) {
        cp = 0xfffd;
        len = 1;
      } else {
        for (int k = 1; k < len; ++k)
          cp = (cp << 6) | (static_cast<unsigned char>(in[i + k]) & 0x3f);
      }
    }
    i += static_cast<std::size_t>(len);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      push(0xd800 | (cp >> 10));
      push(0xdc00 | (cp & 0x3ff));
    } else {
      push(cp);
    }
  }
  flush();
  return out;
}

Result<fs::path> maildir_folder(const fs::path& root, std::string_view mailbox, char separator) {
  using R = Result<fs::path>;
  const std::string name(mailbox);
  if (name.empty()) return R::failure("empty mailbox name");
  const char other = separator == '.' ? '/' : '.';
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = name.find(separator, start);
    parts.push_back(name.substr(start, slash == std::string::npos ? slash : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (base::iequals(parts.front(), "inbox")) {
    if (parts.size() == 1) return root;
    // With '.', INBOX is the namespace prefix: "INBOX.Junk" is ".Junk".
    if (separator == '.') parts.erase(parts.begin());
  }
  std::string dir;
  for (const auto& part : parts) {
    if (part.empty())
      return R::failure("invalid mailbox name '" + name + "': empty hierarchy component");
    if (part.find(other) != std::string::npos)
      return R::failure(separator == '/'
                            ? "invalid mailbox name '" + name +
                                  "': '.' is not allowed in a mailbox name (Maildir++ uses it "
                                  "as the hierarchy separator; use '/')"
                            : "invalid mailbox name '" + name +
                                  "': '/' is not allowed in a mailbox name (the hierarchy "
                                  "separator is '.')");
    for (unsigned char c : part)
      if (c < 0x20 || c == 0x7f)
        return R::failure("invalid mailbox name '" + name + "': control character");
    dir += "." + utf8_to_mutf7(part);
  }
  if (dir.size() > 255) return R::failure("mailbox name too long: '" + name + "'");
  return root / dir;
}

bool maildir_exists(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir / "cur", ec) && fs::is_directory(dir / "new", ec) &&
         fs::is_directory(dir / "tmp", ec);
}

Result<bool> create_maildir(const fs::path& dir, bool subfolder, SyncParent sync) {
  for (const char* sub : {"cur", "new", "tmp"}) {
    std::error_code ec;
    if (auto s = base::make_private_dirs(dir / sub); !s) return Result<bool>::failure(s.error());
    fs::permissions(dir / sub, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  if (subfolder) {
    const int fd = base::open_private(dir / "maildirfolder", O_WRONLY);
    if (fd < 0)
      return Result<bool>::failure((dir / "maildirfolder").string() + ": " + std::strerror(errno));
    ::close(fd);
  }
  // The new folder's entry must survive a crash like the messages in it.
  if (sync == SyncParent::Later) return true;
  if (auto r = fsync_dir(dir.parent_path()); !r) return Result<bool>::failure(r.error().message);
  return true;
}

SR fsync_dir(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return SR::failure(io_error(dir, "open", errno));
  if (::fsync(fd.get()) != 0) return SR::failure(io_error(dir, "fsync", errno));
  return true;
}

// A written file's data: fsynced, then closed (close() can report
// deferred write errors on NFS).
static SR sync_and_close(Fd& fd, const fs::path& path) {
  if (::fsync(fd.get()) != 0) return SR::failure(io_error(path, "fsync", errno));
  if (::close(fd.release()) != 0) return SR::failure(io_error(path, "close", errno));
  return true;
}

SR write_file_durably(const fs::path& path, std::string_view data) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) return SR::failure(io_error(path, "open", errno));
  if (const int err = base::write_all(fd.get(), data); err != 0)
    return SR::failure(io_error(path, "write", err));
  return sync_and_close(fd, path);
}

namespace {

// The folder's dovecot-keywords with `keywords` added: each valid
// keyword's letter, and, when the map changed, the dotlock holding the new
// map, written but neither fsynced nor renamed yet (the caller does both).
struct KeywordMap {
  std::map<std::string, char, std::less<>> letter;
  std::optional<Dotlock> change;
};

Result<KeywordMap, StoreError> add_keywords(const UidListLock& held,
                                            std::span<const std::string> keywords) {
  using R = Result<KeywordMap, StoreError>;
  KeywordMap out;
  if (keywords.empty()) return out;
  const fs::path file = held.dir() / "dovecot-keywords";
  std::map<int, std::string> by_index;
  struct stat old_st {};
  const bool had_file = ::stat(file.c_str(), &old_st) == 0;
  {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream ls(line);
      int idx = -1;
      std::string name;
      if (ls >> idx >> name && idx >= 0 && idx < 26) by_index[idx] = name;
    }
  }
  bool changed = false;
  for (const auto& kw : keywords) {
    // A name with a space or line break would rewrite the folder's map.
    if (!interp::valid_flag(kw) || out.letter.count(kw)) continue;
    int found = -1;
    for (const auto& [i, n] : by_index)
      if (n == kw) found = i;
    if (found < 0) {
      for (int i = 0; i < 26; ++i)
        if (!by_index.count(i)) {
          found = i;
          by_index[i] = kw;
          changed = true;
          break;
        }
    }
    if (found >= 0) out.letter.emplace(kw, static_cast<char>('a' + found));
  }
  if (!changed) return out;
  std::string text;
  for (const auto& [i, n] : by_index) text += std::to_string(i) + " " + n + "\n";
  // Holding the uidlist lock, a dovecot-keywords.lock can only be left by
  // a crashed writer; Dovecot removes it the same way.
  ::unlink((file.string() + ".lock").c_str());
  LockSettings kw_locks = held.settings();
  kw_locks.wait = std::min<std::chrono::milliseconds>(kw_locks.wait, std::chrono::seconds(2));
  auto lock = Dotlock::acquire(file, kw_locks);
  if (!lock) return R::failure(lock.error());
  if (auto w = lock->write_unsynced(text); !w) return R::failure(w.error());
  // Dovecot rereads dovecot-keywords only when its mtime (in seconds)
  // changed: make it newer than the map it replaces.
  struct stat new_st {};
  if (had_file && ::fstat(lock->fd(), &new_st) == 0 && new_st.st_mtime <= old_st.st_mtime) {
    const struct timespec times[2] = {{0, UTIME_OMIT}, {old_st.st_mtime + 1, 0}};
    if (::futimens(lock->fd(), times) != 0)
      return R::failure(io_error(lock->lock_path(), "futimens", errno));
  }
  out.change.emplace(std::move(*lock));
  return out;
}

// The sorted letters of `keywords` in `map` (invalid ones and those past
// the 26th have none).
std::string letters_of(const KeywordMap& map, std::span<const std::string> keywords) {
  std::string letters;
  for (const auto& kw : keywords)
    if (auto it = map.letter.find(kw); it != map.letter.end()) letters += it->second;
  std::sort(letters.begin(), letters.end());
  letters.erase(std::unique(letters.begin(), letters.end()), letters.end());
  return letters;
}

}  // namespace

Result<std::string, StoreError> keyword_letters(const UidListLock& held,
                                                std::span<const std::string> keywords) {
  using R = Result<std::string, StoreError>;
  auto map = add_keywords(held, keywords);
  if (!map) return R::failure(map.error());
  if (map->change) {
    if (auto r = map->change->sync(); !r) return R::failure(r.error());
    if (auto r = map->change->replace(); !r) return R::failure(r.error());
  }
  return letters_of(*map, keywords);
}

Result<std::string, StoreError> keyword_letters(const fs::path& dir,
                                                std::span<const std::string> keywords,
                                                const LockSettings& locks) {
  using R = Result<std::string, StoreError>;
  if (keywords.empty()) return std::string();
  auto held = UidListLock::acquire(dir, locks);
  if (!held) return R::failure(held.error());
  return keyword_letters(*held, keywords);  // the uidlist itself is unchanged
}

MaildirTransaction::~MaildirTransaction() {
  rollback();
}

void MaildirTransaction::rollback() {
  for (const auto& s : staged_) ::unlink(s.tmp.c_str());
  staged_.clear();
  extra_dirs_.clear();
}

Result<std::string, StoreError> maildir_info_letters(const fs::path& dir,
                                                     std::span<const std::string> flags,
                                                     const LockSettings& locks) {
  std::string info;
  std::vector<std::string> keywords;
  for (const auto& f : flags) {
    if (char c = flag_letter(f))
      info += c;
    else if (!f.empty() && f.front() != '\\')
      keywords.push_back(f);
  }
  if (!keywords.empty()) {
    auto letters = keyword_letters(dir, keywords, locks);
    if (!letters) return letters;
    info += letters.value();
  }
  std::sort(info.begin(), info.end());
  info.erase(std::unique(info.begin(), info.end()), info.end());
  return info;
}

Result<bool, StoreError> MaildirTransaction::stage(const fs::path& dir, std::string_view message,
                                                   std::span<const std::string> flags) {
  // Keyword letters are assigned at commit, under the folder's uidlist lock.
  std::string system_flags;
  std::vector<std::string> keywords;
  for (const auto& f : flags) {
    if (char c = flag_letter(f))
      system_flags += c;
    else if (!f.empty() && f.front() != '\\')
      keywords.push_back(f);
  }
  // W= is the size with CRLF line ends, what IMAP reports as RFC822.SIZE.
  const auto lfs = static_cast<std::size_t>(std::count(message.begin(), message.end(), '\n'));
  for (int attempt = 0; attempt < 5; ++attempt) {
    const std::string base = unique_base() + ",S=" + std::to_string(message.size()) +
                             ",W=" + std::to_string(message.size() + lfs);
    const fs::path tmp = dir / "tmp" / base;
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (fd.get() < 0) {
      if (errno == EEXIST) continue;
      return SR::failure(io_error(tmp, "open", errno));
    }
    // The fsync waits for commit(), which issues it with the others.
    if (const int err = base::write_all(fd.get(), message); err != 0) {
      ::unlink(tmp.c_str());
      return SR::failure(io_error(tmp, "write", err));
    }
    staged_.push_back(Staged{dir, tmp, base, std::move(system_flags), std::move(keywords),
                             staged_.size(), std::move(fd)});
    return true;
  }
  return SR::failure({StoreErrorKind::Io, "cannot find a unique file name in " + dir.string()});
}

void MaildirTransaction::sync_at_commit(const fs::path& dir) {
  if (std::find(extra_dirs_.begin(), extra_dirs_.end(), dir) == extra_dirs_.end())
    extra_dirs_.push_back(dir);
}

SR MaildirTransaction::run_steps(std::span<const std::function<SR()>> steps) {
  std::vector<std::optional<SR>> results(steps.size());
  std::vector<std::function<void()>> run;
  run.reserve(steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i)
    run.emplace_back([&results, &steps, i] { results[i] = steps[i](); });
  if (syncs_)
    syncs_->run_all(run);
  else
    for (const auto& step : run) step();
  for (const auto& r : results)
    if (!*r) return *r;
  return true;
}

Result<std::vector<StoredCopy>, StoreError> MaildirTransaction::commit() {
  using R = Result<std::vector<StoredCopy>, StoreError>;
  std::vector<StoredCopy> done(staged_.size());
  // One folder at a time, holding only that folder's uidlist lock, in two
  // rounds of fsyncs each issued at once (the disk merges flushes that
  // arrive together):
  //  1. the data names will point to: the staged files, the new keyword
  //     map, the rewritten list (in their lock files);
  //  2. after the links and renames, the directories that name them
  //     (new/, cur/, the folder, the parents of folders made for this
  //     delivery) and the appended or renamed list.
  // Nothing is acknowledged before round 2 has succeeded. A crash before
  // that may leave a listed UID whose file's link did not reach the disk
  // (Dovecot takes it as expunged) or a keyword letter without its map;
  // never a visible file, list or map without its data.
  while (!staged_.empty()) {
    const fs::path dir = staged_.front().dir;
    auto lock = UidListLock::acquire(dir, locks_);
    if (!lock) return R::failure(lock.error());
    std::vector<Staged> here, later;
    for (auto& s : staged_) (s.dir == dir ? here : later).push_back(std::move(s));
    staged_ = std::move(later);
    auto drop_here = [&here] {
      for (const auto& s : here) ::unlink(s.tmp.c_str());
    };
    std::vector<std::string> keywords;
    for (const auto& s : here)
      keywords.insert(keywords.end(), s.keywords.begin(), s.keywords.end());
    auto map = add_keywords(*lock, keywords);
    if (!map) {
      drop_here();
      return R::failure(map.error());
    }
    std::vector<StoredCopy> copies;
    for (const auto& s : here) {
      std::string info = s.system_flags + letters_of(*map, s.keywords);
      std::sort(info.begin(), info.end());
      info.erase(std::unique(info.begin(), info.end()), info.end());
      const std::string name = info.empty() ? s.base : s.base + ":2," + info;
      copies.push_back(
          {s.dir / (info.empty() ? "new" : "cur") / name, lock->uidvalidity(), lock->add(name)});
    }
    if (auto r = lock->prepare_unsynced(); !r) {
      drop_here();
      return R::failure(r.error());
    }
    // Round 1.
    std::vector<std::function<SR()>> steps;
    for (auto& s : here) steps.emplace_back([&s] { return sync_and_close(s.fd, s.tmp); });
    if (map->change) steps.emplace_back([&map] { return map->change->sync(); });
    steps.emplace_back([&lock] { return lock->sync_prepared(); });
    if (auto r = run_steps(steps); !r) {
      drop_here();
      return R::failure(r.error());
    }
    std::vector<fs::path> dirs;
    if (map->change) {
      if (auto r = map->change->rename_into_place(); !r) {
        drop_here();
        return R::failure(r.error());
      }
      // The list's rename fsyncs the folder anyway.
      if (!lock->rewrites()) dirs.push_back(dir);
    }
    for (std::size_t i = 0; i < here.size(); ++i) {
      const Staged& s = here[i];
      const fs::path& final_path = copies[i].path;
      // link() never replaces an existing file, unlike rename().
      if (::link(s.tmp.c_str(), final_path.c_str()) != 0) {
        const int err = errno;
        if (err != EPERM && err != ENOTSUP && err != EXDEV) {
          for (std::size_t k = i; k < here.size(); ++k) ::unlink(here[k].tmp.c_str());
          return R::failure(io_error(final_path, "link", err));
        }
        if (::rename(s.tmp.c_str(), final_path.c_str()) != 0) {
          const int err2 = errno;
          for (std::size_t k = i; k < here.size(); ++k) ::unlink(here[k].tmp.c_str());
          return R::failure(io_error(final_path, "rename", err2));
        }
      } else {
        ::unlink(s.tmp.c_str());
      }
      if (std::find(dirs.begin(), dirs.end(), final_path.parent_path()) == dirs.end())
        dirs.push_back(final_path.parent_path());
    }
    for (auto& d : extra_dirs_)
      if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) dirs.push_back(std::move(d));
    extra_dirs_.clear();
    // Round 2.
    steps.clear();
    for (const auto& d : dirs) steps.emplace_back([&d] { return fsync_dir(d); });
    steps.emplace_back([&lock] { return lock->commit(); });
    if (auto r = run_steps(steps); !r) return R::failure(r.error());
    for (std::size_t i = 0; i < here.size(); ++i) done[here[i].index] = std::move(copies[i]);
  }
  // Folders made for a delivery that stored nothing in the end.
  std::vector<std::function<SR()>> steps;
  for (const auto& d : extra_dirs_) steps.emplace_back([&d] { return fsync_dir(d); });
  auto made = run_steps(steps);
  extra_dirs_.clear();
  if (!made) return R::failure(made.error());
  return done;
}

}  // namespace zest::store
