#include "server/shared_sessions.hpp"

#include <vector>

#include "base/logfmt.hpp"

namespace zest::server {
namespace {

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

SharedSessions::SharedSessions(delivery::RedisStateOptions redis, std::string node,
                               std::function<void(std::string_view)> log, Options o)
    : redis_(std::make_shared<delivery::RedisPool>(std::move(redis))),
      node_(std::move(node)),
      log_(std::move(log)),
      options_(o),
      renewer_([this] { renew_loop(); }) {}

SharedSessions::~SharedSessions() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  renewer_.join();
}

// One Redis operation: skipped while a recent failure says Redis is out of
// reach; a failure is logged once and silences Redis for retry_after.
template <class T, class F>
Result<T> SharedSessions::guarded(std::string_view op, F&& f) {
  if (steady_ms() < quiet_until_.load())
    return Result<T>::failure("redis: not asked again so soon after a failure");
  Result<T> r = f();
  if (!r) {
    quiet_until_.store(steady_ms() + options_.retry_after.count());
    if (log_)
      log_("event=state-error protocol=managesieve " + base::log_field("op", op) + " " +
           base::log_field("error", r.error()) + " fallback=local");
  }
  return r;
}

Result<unsigned> SharedSessions::failed(std::string_view address_group, std::string_view user_key,
                                        std::chrono::milliseconds window) {
  return guarded<unsigned>("login-failed", [&]() -> Result<unsigned> {
    auto r = redis_.count_failure(address_group, user_key, window);
    if (!r) return Result<unsigned>::failure(r.error());
    return static_cast<unsigned>(*r);
  });
}

Status SharedSessions::succeeded(std::string_view address_group, std::string_view user_key) {
  return Status::from(guarded<bool>("login-succeeded", [&]() -> Result<bool> {
    if (auto s = redis_.clear_failures(address_group, user_key); !s)
      return Result<bool>::failure(s.error());
    return true;
  }));
}

Result<unsigned> SharedSessions::failures(std::string_view address_group,
                                          std::string_view user_key) {
  return guarded<unsigned>("login-failures", [&]() -> Result<unsigned> {
    auto r = redis_.failures(address_group, user_key);
    if (!r) return Result<unsigned>::failure(r.error());
    return static_cast<unsigned>(*r);
  });
}

Result<bool> SharedSessions::take_lease(std::string_view address_group, std::string_view session,
                                        std::size_t limit) {
  const std::string m = member(session);
  auto r = guarded<bool>("connection-lease", [&] {
    return redis_.take_lease(address_group, m, limit, options_.lease);
  });
  if (r && *r) {
    std::lock_guard lock(mu_);
    leases_.emplace(m, std::string(address_group));
  }
  return r;
}

void SharedSessions::drop_lease(std::string_view address_group, std::string_view session) {
  const std::string m = member(session);
  {
    std::lock_guard lock(mu_);
    if (leases_.erase(m) == 0) return;
  }
  // Unanswered: the member expires with its lease.
  (void)guarded<bool>("connection-release", [&]() -> Result<bool> {
    if (auto s = redis_.drop_lease(address_group, m); !s) return Result<bool>::failure(s.error());
    return true;
  });
}

void SharedSessions::renew_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, options_.lease / 3, [this] { return stopping_; });
    if (stopping_) return;
    const std::vector<std::pair<std::string, std::string>> live(leases_.begin(), leases_.end());
    lock.unlock();
    for (const auto& [m, group] : live) {
      auto r = guarded<bool>("connection-renew", [&]() -> Result<bool> {
        if (auto s = redis_.renew_lease(group, m, options_.lease); !s)
          return Result<bool>::failure(s.error());
        return true;
      });
      if (!r) break;  // Redis is out of reach: the next round tries again
    }
    lock.lock();
  }
}

}  // namespace zest::server
