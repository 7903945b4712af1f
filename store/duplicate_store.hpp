// Where one user's duplicate ids live ([state] backend): the decisions of
// the duplicate test, vacation and redirect. Each operation can fail (a
// shared store out of reach); a caller must then not act as if the id were
// unseen. The local backend is DuplicateDb, which cannot fail.
#pragma once

#include <chrono>
#include <filesystem>
#include <string_view>

#include "base/result.hpp"
#include "store/duplicates.hpp"

namespace zest::store {

class DuplicateStore {
 public:
  virtual ~DuplicateStore() = default;
  virtual Result<bool> seen(std::string_view id) = 0;
  // Keeps `id` seen for at least `period` from now.
  virtual Status mark(std::string_view id, std::chrono::seconds period) = 0;
  // Atomically: false when `id` is seen or claimed, else it is seen for
  // `hold` and true (see DuplicateDb::claim).
  virtual Result<bool> claim(std::string_view id, std::chrono::seconds hold) = 0;
  virtual Status release(std::string_view id) = 0;
};

// The local backend: DuplicateDb's file in the user's home.
class FileDuplicateStore final : public DuplicateStore {
 public:
  explicit FileDuplicateStore(std::filesystem::path file) : db_(std::move(file)) {}
  Result<bool> seen(std::string_view id) override { return db_.seen(id); }
  Status mark(std::string_view id, std::chrono::seconds period) override {
    db_.mark(id, period);
    return Status::success();
  }
  Result<bool> claim(std::string_view id, std::chrono::seconds hold) override {
    return db_.claim(id, hold);
  }
  Status release(std::string_view id) override {
    db_.release(id);
    return Status::success();
  }

 private:
  DuplicateDb db_;
};

}  // namespace zest::store
