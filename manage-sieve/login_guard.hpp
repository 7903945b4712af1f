// Failed logins per remote address and per user, shared by all ManageSieve
// sessions (thread-safe). The delay doubles with every recent failure.
// Users are counted under the name the passwd file looks up
// (store::user_key), so "Alice" and "alice" share one count; addresses
// under base::address_group (IPv6 per prefix).
//
// With a SharedLoginCounts ([state] backend = "redis", wired by server/)
// the counts are also kept where every node sees them, and the delay
// follows the shared count (the larger of the address's and the user's)
// whenever the store answers. The node
// always counts for itself too: a store that does not answer leaves the
// local brake in place, never none.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>

#include <unordered_map>
#include "base/result.hpp"

namespace zest::managesieve {

// Failure counts shared by the nodes. Keys are the address group and the
// user key as LoginGuard forms them (`user_key` "" = none). Thread-safe;
// each call answers within the store's own timeout.
class SharedLoginCounts {
 public:
  virtual ~SharedLoginCounts() = default;
  // Counts one failure under both, each forgotten `window` after it; the
  // larger count.
  virtual Result<unsigned> failed(std::string_view address_group, std::string_view user_key,
                                  std::chrono::milliseconds window) = 0;
  virtual Status succeeded(std::string_view address_group, std::string_view user_key) = 0;
  virtual Result<unsigned> failures(std::string_view address_group, std::string_view user_key) = 0;
};

class LoginGuard {
 public:
  struct Options {
    std::chrono::milliseconds base_delay{500};
    std::chrono::milliseconds max_delay{8000};
    std::chrono::seconds window{600};  // failures older than this are forgotten
    // IPv6 clients are counted per prefix of this length ([managesieve]
    // ipv6_prefix_length): changing the low bits resets nothing.
    unsigned ipv6_prefix = 64;
  };
  LoginGuard() = default;
  explicit LoginGuard(Options o, SharedLoginCounts* shared = nullptr)
      : options_(o), shared_(shared) {}
  // Records a failure; returns how long to wait before answering.
  std::chrono::milliseconds failed(std::string_view address, std::string_view user);
  void succeeded(std::string_view address, std::string_view user);
  unsigned failures(std::string_view address, std::string_view user);

 private:
  struct Count {
    unsigned n = 0;
    std::chrono::steady_clock::time_point last;
  };
  unsigned get(std::unordered_map<std::string, Count>& m, const std::string& key,
               std::chrono::steady_clock::time_point now);
  std::string address_key(std::string_view address) const;
  unsigned shared_count(Result<unsigned> r, unsigned local) const;
  Options options_;
  SharedLoginCounts* shared_ = nullptr;  // null: this node's counts only
  std::mutex mu_;
  std::unordered_map<std::string, Count> by_address_, by_user_;
};

}  // namespace zest::managesieve
