// [state] backend = "redis": duplicate ids and notify rate counts in a
// Redis (or Valkey) server shared by every node, each decision one atomic
// command or script. Keys (docs/scale-out.md, "Shared state"):
//   <prefix>dup:<user>:<sha256 hex of the id>   SET NX PX (claim), PX (mark)
//   <prefix>rate:notify:<user>                  INCR + PEXPIRE one hour
// and ManageSieve's counts (RedisSessionCounts; server/ wires them):
//   <prefix>login:fail:addr:<address group>     INCR + PEXPIRE window
//   <prefix>login:fail:user:<user key>          INCR + PEXPIRE window
//   <prefix>conn:managesieve:<address group>    ZSET member -> lease expiry
// A server out of reach is an error, never "not seen" nor "under the limit".
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "delivery/state_backend.hpp"
#include "transport/redis_client.hpp"

namespace zest::delivery {

struct RedisStateOptions {
  transport::RedisEndpoint endpoint;
  std::string key_prefix = "zest:";
  long timeout_seconds = 2;  // connect and each command
};

std::string duplicate_key(std::string_view prefix, std::string_view user, std::string_view id);
std::string notify_rate_key(std::string_view prefix, std::string_view user);
std::string login_fail_address_key(std::string_view prefix, std::string_view address_group);
std::string login_fail_user_key(std::string_view prefix, std::string_view user_key);
std::string connection_key(std::string_view prefix, std::string_view address_group);

// Connections kept between deliveries. Thread-safe; a connection handed out
// goes back when its last holder lets go (a broken one is dropped).
class RedisPool : public std::enable_shared_from_this<RedisPool> {
 public:
  explicit RedisPool(RedisStateOptions o) : o_(std::move(o)) {}
  std::shared_ptr<transport::RedisClient> acquire();
  const RedisStateOptions& options() const { return o_; }
  // One command on a pooled connection (connecting first; a connection the
  // server dropped while idle is retried once on a new one).
  Result<transport::RedisReply> command(const std::vector<std::string>& args);

 private:
  void give_back(transport::RedisClient* c);
  RedisStateOptions o_;
  std::mutex mu_;
  std::vector<std::unique_ptr<transport::RedisClient>> idle_;
};

class RedisDuplicateStore final : public store::DuplicateStore {
 public:
  RedisDuplicateStore(std::shared_ptr<transport::RedisClient> redis, std::string prefix,
                      std::string user)
      : redis_(std::move(redis)), prefix_(std::move(prefix)), user_(std::move(user)) {}
  Result<bool> seen(std::string_view id) override;
  Status mark(std::string_view id, std::chrono::seconds period) override;
  Result<bool> claim(std::string_view id, std::chrono::seconds hold) override;
  // Deletes the claim only while it holds this store's token: a claim that
  // expired and was taken by another delivery stays (compare-and-delete).
  Status release(std::string_view id) override;

 private:
  std::shared_ptr<transport::RedisClient> redis_;
  std::string prefix_, user_;
  std::map<std::string, std::string, std::less<>> tokens_;  // id -> value of its claim
};

// A fixed window: the hour starts with the first notification counted.
class RedisRateLimiter final : public UserRateLimiter {
 public:
  RedisRateLimiter(std::shared_ptr<transport::RedisClient> redis, std::string prefix,
                   std::size_t per_hour)
      : redis_(std::move(redis)), prefix_(std::move(prefix)), per_hour_(per_hour) {}
  // Unanswered: refused, and failure() says why.
  // Nothing is worked around (last_error() stays ""): a count that cannot
  // be had is a failure().
  bool allow(std::string_view user, std::int64_t now) override;
  const std::string& failure() const override { return failure_; }

 private:
  std::shared_ptr<transport::RedisClient> redis_;
  std::string prefix_;
  std::size_t per_hour_;
  std::string failure_;
};

class RedisState final : public StateBackend {
 public:
  explicit RedisState(RedisStateOptions o) : pool_(std::make_shared<RedisPool>(std::move(o))) {}
  // Both share one pooled connection; nothing is sent yet.
  UserState open(std::string_view user, const store::SieveHome& home,
                 std::size_t notify_per_hour) override;

 private:
  std::shared_ptr<RedisPool> pool_;
};

// ManageSieve's counts shared by the nodes: failed logins per address group
// and per user, and the sessions per address group as leases. Thread-safe
// (every call takes a pooled connection). Only the commands: what to do
// when Redis does not answer is the caller's (server/shared_sessions.hpp).
class RedisSessionCounts {
 public:
  explicit RedisSessionCounts(std::shared_ptr<RedisPool> pool) : pool_(std::move(pool)) {}
  // Counts one failure under both keys (`user_key` "" = the address only),
  // each key living `window` from this failure; the larger count. One round
  // trip.
  Result<long long> count_failure(std::string_view address_group, std::string_view user_key,
                                  std::chrono::milliseconds window);
  Result<long long> failures(std::string_view address_group, std::string_view user_key);
  Status clear_failures(std::string_view address_group, std::string_view user_key);
  // Drops the expired members of the group's set; false when `limit`
  // remain, else adds `member` until now + `lease` (Redis' clock). One
  // round trip.
  Result<bool> take_lease(std::string_view address_group, std::string_view member,
                          std::size_t limit, std::chrono::milliseconds lease);
  // A member still there lives until now + `lease` (one removed or expired
  // is not added again).
  Status renew_lease(std::string_view address_group, std::string_view member,
                     std::chrono::milliseconds lease);
  Status drop_lease(std::string_view address_group, std::string_view member);
  const std::string& prefix() const { return pool_->options().key_prefix; }

 private:
  std::shared_ptr<RedisPool> pool_;
};

}  // namespace zest::delivery
