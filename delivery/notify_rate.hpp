// [notify] max_per_user_hour for zestd and the LDA: the send times of one
// user's notifications in the last hour, in a small file in the user's
// home guarded by flock(), so the limit holds across zestd's workers,
// `zest deliver` processes and restarts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "methods/notifier.hpp"

namespace zest::delivery {

class FileRateLimiter final : public methods::RateLimiter {
 public:
  // `file` holds one user's counts (the user is implied by the file).
  FileRateLimiter(std::filesystem::path file, std::size_t per_hour)
      : file_(std::move(file)), per_hour_(per_hour) {}
  // An unreadable or unwritable file admits the notification (the failure
  // must not stop mail) and says so in last_error().
  bool allow(std::string_view user, std::int64_t now) override;
  const std::string& last_error() const { return error_; }

 private:
  std::filesystem::path file_;
  std::size_t per_hour_;
  std::string error_;
};

}  // namespace zest::delivery
