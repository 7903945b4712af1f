// A small per-user record of ids seen recently (vacation replies already
// sent, redirects already done), in one text file guarded by flock().
// Concurrent deliveries to one user decide through claim(): the check and
// the record happen under one lock, so only one of them acts.
#pragma once

#include <chrono>
#include <filesystem>
#include <string_view>

namespace zest::store {

// How long a claim holds before its claimer marks it for the real period:
// longer than any delivery takes, shorter than an MTA's first retry
// (Postfix: 300 s), so a delivery that died after claiming does not cost
// the retry its vacation reply or its duplicate check.
inline constexpr std::chrono::seconds kDuplicateClaimHold{240};

class DuplicateDb {
 public:
  explicit DuplicateDb(std::filesystem::path file) : file_(std::move(file)) {}
  bool seen(std::string_view id) const;
  // Records `id` until now + period; expired entries are dropped.
  void mark(std::string_view id, std::chrono::seconds period) const;
  // Atomically: false when `id` is recorded (or claimed) already, else
  // records it until now + hold and returns true. The claimer later marks
  // it for its real period, or releases it when its action did not happen.
  bool claim(std::string_view id, std::chrono::seconds hold) const;
  // Forgets `id` (a claim whose action did not happen).
  void release(std::string_view id) const;

 private:
  std::filesystem::path file_;
};

}  // namespace zest::store
