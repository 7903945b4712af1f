// Failed logins per remote address and per user, shared by all ManageSieve
// sessions (thread-safe). The delay doubles with every recent failure.
// Users are counted under the name the passwd file looks up
// (store::user_key), so "Alice" and "alice" share one count; addresses
// under base::address_group (IPv6 per prefix).
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace zest::managesieve {

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
  explicit LoginGuard(Options o) : options_(o) {}
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
  Options options_;
  std::mutex mu_;
  std::unordered_map<std::string, Count> by_address_, by_user_;
};

}  // namespace zest::managesieve
