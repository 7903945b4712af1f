#include "store/duplicates.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "base/atomic_file.hpp"

namespace zest::store {
namespace {

// Ids may hold addresses and subjects: store a hash, one entry per line.
std::string key(std::string_view id) {
  return std::to_string(std::hash<std::string_view>{}(id)) + "-" + std::to_string(id.size());
}

struct Entry {
  long long expiry;
  std::string key;
};

std::vector<Entry> read_entries(const std::filesystem::path& file, long long now) {
  std::vector<Entry> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    Entry e{};
    if (ls >> e.expiry >> e.key && e.expiry > now) out.push_back(e);
  }
  return out;
}

class Lock {
 public:
  explicit Lock(const std::filesystem::path& file)
      : fd_(base::open_private(file.string() + ".lock", O_RDWR)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~Lock() {
    if (fd_ >= 0) ::close(fd_);
  }
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

 private:
  int fd_;
};

// Writes `entries` back; a failed write forgets the change.
void write_entries(const std::filesystem::path& file, const std::vector<Entry>& entries) {
  std::string text;
  for (const auto& e : entries) text += std::to_string(e.expiry) + ' ' + e.key + '\n';
  (void)base::write_file_atomic(file, text);
}

}  // namespace

bool DuplicateDb::seen(std::string_view id) const {
  Lock lock(file_);
  const std::string k = key(id);
  for (const auto& e : read_entries(file_, std::time(nullptr)))
    if (e.key == k) return true;
  return false;
}

void DuplicateDb::mark(std::string_view id, std::chrono::seconds period) const {
  Lock lock(file_);
  const long long now = std::time(nullptr);
  auto entries = read_entries(file_, now);
  entries.push_back({now + period.count(), key(id)});
  write_entries(file_, entries);
}

bool DuplicateDb::claim(std::string_view id, std::chrono::seconds hold) const {
  Lock lock(file_);
  const long long now = std::time(nullptr);
  auto entries = read_entries(file_, now);
  const std::string k = key(id);
  for (const auto& e : entries)
    if (e.key == k) return false;
  entries.push_back({now + hold.count(), k});
  write_entries(file_, entries);
  return true;
}

void DuplicateDb::release(std::string_view id) const {
  Lock lock(file_);
  auto entries = read_entries(file_, std::time(nullptr));
  const std::string k = key(id);
  std::erase_if(entries, [&](const Entry& e) { return e.key == k; });
  write_entries(file_, entries);
}

}  // namespace zest::store
