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
      : fd_(::open((file.string() + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
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
  const std::string tmp = file_.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& e : entries) out << e.expiry << ' ' << e.key << '\n';
  }
  std::rename(tmp.c_str(), file_.c_str());
}

}  // namespace zest::store
