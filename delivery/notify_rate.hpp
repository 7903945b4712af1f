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
  // "" from a limiter that never works around a problem (Redis: it fails).
  virtual const std::string& last_error() const { return nothing(); }
  // Why a count could not be had: the limiter then refused, and the
  // delivery must fail temporarily. "" from a limiter that never refuses
  // for want of a count (the file: it admits and says so in last_error()).
  virtual const std::string& failure() const { return nothing(); }

 protected:
  static const std::string& nothing() {
    static const std::string kNothing;  // immutable
    return kNothing;
  }
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

 private:
  std::filesystem::path file_;
  std::size_t per_hour_;
  std::string error_;
};

}  // namespace zest::delivery
