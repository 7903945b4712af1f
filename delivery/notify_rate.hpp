// [notify] max_per_user_hour for zestd and the LDA: the send times of one
// user's notifications in the last hour, in a small file in the user's
// home guarded by flock(), so the limit holds across zestd's workers,
// `zest deliver` processes and restarts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "methods/notifier.hpp"

namespace zest::delivery {

// A per-user limiter of one delivery ([state] backend), with what went wrong.
class UserRateLimiter : public methods::RateLimiter {
 public:
  // A problem the last allow() worked around (logged, the mail goes on).
  virtual const std::string& last_error() const = 0;
  // Why a count could not be had ("" = it always could): the limiter then
  // refused, and the delivery must fail temporarily.
  virtual const std::string& failure() const = 0;
};

class FileRateLimiter final : public UserRateLimiter {
 public:
  // `file` holds one user's counts (the user is implied by the file).
  FileRateLimiter(std::filesystem::path file, std::size_t per_hour)
      : file_(std::move(file)), per_hour_(per_hour) {}
  // An unreadable or unwritable file admits the notification (the failure
  // must not stop mail) and says so in last_error().
  bool allow(std::string_view user, std::int64_t now) override;
  const std::string& last_error() const override { return error_; }
  const std::string& failure() const override { return none_; }

 private:
  std::filesystem::path file_;
  std::size_t per_hour_;
  std::string error_;
  std::string none_;  // a file limiter never fails the delivery
};

}  // namespace zest::delivery
