// A circuit breaker for one destination of the notification outbox
// (docs/notifications.md): `failures` consecutive failed attempts open it;
// while open nothing is sent there; after `cooldown` one probe attempt
// is let through (half-open); the probe's success closes it, its failure
// opens it again for another cooldown. Time is passed in (milliseconds of
// any monotonic clock), so it is pure and testable. Not thread-safe: the
// sender's scheduling thread owns it.
#pragma once

#include <chrono>
#include <cstdint>

namespace zest::events {

class CircuitBreaker {
 public:
  enum class State { Closed, Open, HalfOpen };

  CircuitBreaker(int failures, std::chrono::milliseconds cooldown)
      : threshold_(failures < 1 ? 1 : failures), cooldown_(cooldown.count()) {}

  // May an attempt start at `now`? In the half-open state the first call
  // that returns true takes the one probe; the next ones return false until
  // its outcome is reported.
  bool allow(std::int64_t now);
  // The outcome of an attempt allow() let through.
  void success();
  void failure(std::int64_t now);
  // An attempt let through ended without telling anything about the
  // destination (abandoned at shutdown): a probe slot is given back.
  void abandoned();

  State state(std::int64_t now) const;
  // When an open breaker lets a probe through (meaningful while open).
  std::int64_t open_until() const { return open_until_; }
  int consecutive_failures() const { return failures_; }

 private:
  int threshold_;
  std::int64_t cooldown_;
  int failures_ = 0;
  bool open_ = false;
  bool probing_ = false;  // the half-open probe is in flight
  std::int64_t open_until_ = 0;
};

}  // namespace zest::events
