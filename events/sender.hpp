// Sends one sink's events from the outbox: per user in sequence order, at
// most one attempt in flight per user, users independent of each other
// (a slow or failing user stream never holds back another), retries with
// exponential backoff and full jitter, Retry-After honoured, dead after
// the outbox's deadline.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "events/outbox.hpp"

namespace zest::events {

// The outcome of one attempt.
struct Attempt {
  enum class Kind { Delivered, Retry, Permanent };
  Kind kind = Kind::Retry;
  std::optional<std::chrono::milliseconds> retry_after;  // from the receiver
  std::string error;
};

// Carries attempts to one receiver. start() begins one; wait() blocks until
// some attempts finished, `timeout` passed or wake() was called, and
// returns the finished ones keyed by (user, sequence).
class SinkTransport {
 public:
  struct Done {
    std::string user;
    std::int64_t seq = 0;
    Attempt attempt;
  };
  virtual ~SinkTransport() = default;
  virtual void start(const Delivery& d) = 0;
  virtual std::vector<Done> wait(std::chrono::milliseconds timeout) = 0;
  virtual void wake() = 0;
  // How many attempts may be in flight at once.
  virtual std::size_t capacity() const = 0;
};

struct SenderOptions {
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_max{600000};
  std::chrono::milliseconds poll_interval{1000};  // to see other processes' events
};

// Delay before attempt `attempts + 1` after `attempts` failures: a random
// value in [d/2, d] with d = min(max, initial * 2^(attempts-1)); at least
// `retry_after` when the receiver asked for it. `unit` in [0, 1).
std::chrono::milliseconds retry_delay(int attempts, const SenderOptions& o, double unit,
                                      std::optional<std::chrono::milliseconds> retry_after);
// Retry-After: delay-seconds or an HTTP-date (RFC 9110 §10.2.3), relative
// to `now` (Unix seconds), at most kMaxRetryAfterSeconds.
inline constexpr std::int64_t kMaxRetryAfterSeconds = 86400;
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::int64_t now);

using LogFn = std::function<void(std::string_view line)>;

class Sender {
 public:
  Sender(Outbox& outbox, std::string sink, std::unique_ptr<SinkTransport> transport,
         SenderOptions options, LogFn log);
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;
  void start();
  void stop();  // waits for the thread; attempts in flight are abandoned (retried later)
  void wake() { transport_->wake(); }

 private:
  void run();
  Outbox& outbox_;
  std::string sink_;
  std::unique_ptr<SinkTransport> transport_;
  SenderOptions options_;
  LogFn log_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace zest::events
