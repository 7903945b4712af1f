#include "manage-sieve/login_guard.hpp"

#include <algorithm>

#include "base/ip_address.hpp"
#include "store/passwd.hpp"

namespace zest::managesieve {

unsigned LoginGuard::get(std::unordered_map<std::string, Count>& m, const std::string& key,
                         std::chrono::steady_clock::time_point now) {
  auto it = m.find(key);
  if (it == m.end()) return 0;
  if (now - it->second.last > options_.window) {
    m.erase(it);
    return 0;
  }
  return it->second.n;
}

std::string LoginGuard::address_key(std::string_view address) const {
  return base::address_group(address, options_.ipv6_prefix);
}

// The shared count when the store answered (it holds this node's failures
// too, and a login on another node clears it), else this node's own: an
// outage keeps the local brake.
unsigned LoginGuard::shared_count(Result<unsigned> r, unsigned local) const {
  return r ? *r : local;
}

std::chrono::milliseconds LoginGuard::failed(std::string_view address, std::string_view user) {
  const auto now = std::chrono::steady_clock::now();
  const std::string a = address_key(address), u = store::user_key(user);
  unsigned n = 0;
  {
    std::lock_guard lock(mu_);
    // Bound the tables: forget stale entries when they grow.
    for (auto* m : {&by_address_, &by_user_})
      if (m->size() > 100000)
        std::erase_if(*m, [&](const auto& kv) { return now - kv.second.last > options_.window; });
    n = get(by_address_, a, now) + 1;
    by_address_[a] = {n, now};
    if (!u.empty()) {
      const unsigned nu = get(by_user_, u, now) + 1;
      by_user_[u] = {nu, now};
      n = std::max(n, nu);
    }
  }
  // Outside the lock: the round trip must not hold up the other sessions.
  if (shared_)
    n = shared_count(
        shared_->failed(a, u,
                        std::chrono::duration_cast<std::chrono::milliseconds>(options_.window)),
        n);
  n = std::max(n, 1u);
  auto d = options_.base_delay * (1LL << std::min(n - 1, 10u));
  return std::min(std::chrono::duration_cast<std::chrono::milliseconds>(d), options_.max_delay);
}

void LoginGuard::succeeded(std::string_view address, std::string_view user) {
  const std::string a = address_key(address), u = store::user_key(user);
  {
    std::lock_guard lock(mu_);
    by_address_.erase(a);
    by_user_.erase(u);
  }
  if (shared_) (void)shared_->succeeded(a, u);  // unanswered: the keys expire with the window
}

unsigned LoginGuard::failures(std::string_view address, std::string_view user) {
  const auto now = std::chrono::steady_clock::now();
  const std::string a = address_key(address), u = store::user_key(user);
  unsigned n = 0;
  {
    std::lock_guard lock(mu_);
    n = std::max(get(by_address_, a, now), get(by_user_, u, now));
  }
  return shared_ ? shared_count(shared_->failures(a, u), n) : n;
}

}  // namespace zest::managesieve
