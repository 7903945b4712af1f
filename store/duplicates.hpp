// A small per-user record of ids seen recently (vacation replies already
// sent, redirects already done), in one text file guarded by flock().
#pragma once

#include <chrono>
#include <filesystem>
#include <string_view>

namespace zest::store {

class DuplicateDb {
 public:
  explicit DuplicateDb(std::filesystem::path file) : file_(std::move(file)) {}
  bool seen(std::string_view id) const;
  // Records `id` until now + period; expired entries are dropped.
  void mark(std::string_view id, std::chrono::seconds period) const;

 private:
  std::filesystem::path file_;
};

}  // namespace zest::store
