// Sends the routed streams of the outbox, the Sieve notifications and
// vacation replies (docs/notifications.md): a pool of worker threads,
// each carrying one attempt at a time, and one scheduling thread that
// picks the due head of each (destination, user) stream. Per user the
// order is kept for each destination (one attempt in flight per stream);
// failures back off exponentially with jitter up to a cap, a receiver's
// Retry-After is the delay it asks for; a destination whose breaker is
// open gets no attempts (its streams wait, others go on), and no
// destination takes more than `per_destination` workers; a delivery not
// done by its deadline is parked as dead.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "events/circuit_breaker.hpp"
#include "events/outbox.hpp"
#include "events/sender.hpp"

namespace zest::events {

// Carries one attempt of one routed delivery, blocking (bounded by the
// transports' timeouts). Called from several worker threads at once.
class NotifyCarrier {
 public:
  virtual ~NotifyCarrier() = default;
  virtual Attempt send(const Delivery& d) = 0;
};

struct NotifySenderOptions {
  std::size_t workers = 4;
  std::size_t per_destination = 0;  // at most this many attempts at one destination; 0 = workers/2
  SenderOptions backoff;            // backoff_initial, backoff_max, poll_interval
  int breaker_failures = 5;
  std::chrono::milliseconds breaker_cooldown{30000};
};

// The delay after the n-th failed attempt: the receiver's Retry-After when
// it gave one (not below backoff_initial), else retry_delay() with jitter.
std::chrono::milliseconds notify_retry_delay(int attempts, const SenderOptions& o, double unit,
                                             std::optional<std::chrono::milliseconds> retry_after);

class NotifySender {
 public:
  // Sends the streams of every sink named "<prefix>...".
  NotifySender(Outbox& outbox, std::string prefix, std::unique_ptr<NotifyCarrier> carrier,
               NotifySenderOptions options, LogFn log);
  ~NotifySender();
  NotifySender(const NotifySender&) = delete;
  NotifySender& operator=(const NotifySender&) = delete;
  void start();
  // Waits for the threads: attempts in flight finish (bounded by their
  // timeouts); their outcome is recorded.
  void stop();
  void wake();

 private:
  using Key = std::pair<std::string, std::string>;  // (sink, user)
  struct Done {
    Delivery delivery;
    Attempt attempt;
  };
  void schedule();
  void work();
  void finish(Done& done, double unit);
  CircuitBreaker& breaker(const std::string& sink);

  Outbox& outbox_;
  std::string prefix_;
  std::unique_ptr<NotifyCarrier> carrier_;
  NotifySenderOptions options_;
  LogFn log_;

  std::mutex mu_;
  std::condition_variable jobs_cv_, sched_cv_;
  std::deque<Delivery> jobs_;
  std::vector<Done> done_;
  bool stop_ = false, woken_ = false;

  // The scheduling thread's own state.
  std::map<Key, bool> in_flight_;
  std::map<std::string, std::size_t> per_sink_;
  std::map<std::string, CircuitBreaker> breakers_;

  std::thread scheduler_;
  std::vector<std::thread> workers_;
};

}  // namespace zest::events
