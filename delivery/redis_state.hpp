// [state] backend = "redis": duplicate ids and notify rate counts in a
// Redis (or Valkey) server shared by every node, each decision one atomic
// command or script. Keys (docs/scale-out.md, "Shared state"):
//   <prefix>dup:<user>:<sha256 hex of the id>   SET NX PX (claim), PX (mark)
//   <prefix>rate:notify:<user>                  INCR + PEXPIRE one hour
// A server out of reach is an error, never "not seen" nor "under the limit".
#pragma once

#include <cstddef>
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

// Connections kept between deliveries. Thread-safe; a connection handed out
// goes back when its last holder lets go (a broken one is dropped).
class RedisPool : public std::enable_shared_from_this<RedisPool> {
 public:
  explicit RedisPool(RedisStateOptions o) : o_(std::move(o)) {}
  std::shared_ptr<transport::RedisClient> acquire();
  const RedisStateOptions& options() const { return o_; }

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
  Status release(std::string_view id) override;

 private:
  std::shared_ptr<transport::RedisClient> redis_;
  std::string prefix_, user_;
};

// A fixed window: the hour starts with the first notification counted.
class RedisRateLimiter final : public UserRateLimiter {
 public:
  RedisRateLimiter(std::shared_ptr<transport::RedisClient> redis, std::string prefix,
                   std::size_t per_hour)
      : redis_(std::move(redis)), prefix_(std::move(prefix)), per_hour_(per_hour) {}
  // Unanswered: refused, and failure() says why.
  bool allow(std::string_view user, std::int64_t now) override;
  const std::string& last_error() const override { return none_; }
  const std::string& failure() const override { return failure_; }

 private:
  std::shared_ptr<transport::RedisClient> redis_;
  std::string prefix_;
  std::size_t per_hour_;
  std::string failure_, none_;
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

}  // namespace zest::delivery
