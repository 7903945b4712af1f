// Where the sequence numbers of the outbox's (sink, user) streams come
// from. By default each outbox counts in its own SQLite table; with
// [state] backend = "redis" every node takes them from one Redis counter
// per stream, so a user's events are numbered across nodes (docs/events.md).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "transport/redis_client.hpp"

namespace zest::events {

class SequenceSource {
 public:
  virtual ~SequenceSource() = default;
  // The next number of the stream, and at least `floor` (the outbox's own
  // last number + 1, so a stream never goes back, e.g. after the switch
  // from local numbers). Thread-safe.
  virtual Result<std::int64_t> next(std::string_view sink, std::string_view user,
                                    std::int64_t floor) = 0;
};

std::string sequence_key(std::string_view prefix, std::string_view sink, std::string_view user);

// INCR <prefix>seq:<sink>:<user> (raised to the floor when below it, in one
// Lua script). One connection, reconnected after a failure.
class RedisSequences final : public SequenceSource {
 public:
  RedisSequences(transport::RedisEndpoint endpoint, std::string prefix, long timeout_seconds)
      : redis_(std::move(endpoint), timeout_seconds), prefix_(std::move(prefix)) {}
  Result<std::int64_t> next(std::string_view sink, std::string_view user,
                            std::int64_t floor) override;

 private:
  std::mutex mu_;
  transport::RedisClient redis_;
  std::string prefix_;
};

}  // namespace zest::events
