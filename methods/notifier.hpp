// Carrying out the notify actions of one delivery: loop protection,
// limits, duplicate suppression across actions, then prepare + send over
// the injected transport. Pure apart from the transport it is given.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "methods/method.hpp"

namespace zest::mail {
class Message;
}

namespace zest::methods {

struct Limits {
  std::size_t max_per_run = 10;        // [notify] max_per_run
  std::size_t max_per_user_hour = 30;  // [notify] max_per_user_hour (RFC 5436 §2.7 suggests 30/h)
};

// Notifications per user in a sliding hour (RFC 5436 §2.7, [notify]
// max_per_user_hour). Hosts choose where the counts live: zestd and the
// LDA keep them in a file per user (delivery/), sieve-test and tests in
// memory.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Records one notification for `user` at `now` (Unix seconds) when the
  // user is under the limit; false, recording nothing, otherwise.
  virtual bool allow(std::string_view user, std::int64_t now) = 0;
};

// The window rule on one user's send times (oldest first): drops times an
// hour old or older, then admits `now` when fewer than `per_hour` remain
// (0 = no limit).
bool admit_in_hour(std::deque<std::int64_t>& sent, std::size_t per_hour, std::int64_t now);

// In memory, for one process. Thread-safe.
class MemoryRateLimiter final : public RateLimiter {
 public:
  explicit MemoryRateLimiter(std::size_t per_hour) : per_hour_(per_hour) {}
  bool allow(std::string_view user, std::int64_t now) override;

 private:
  std::size_t per_hour_;
  std::mutex mu_;
  std::map<std::string, std::deque<std::int64_t>, std::less<>> sent_;
};

struct NotifyOutcome {
  enum class Status { Sent, Skipped, Failed };
  Status status = Status::Sent;
  std::string detail;  // for the log
};

// What a delivery's notifications so far leave for the next ones (kept by
// the caller when a result is executed in several steps).
struct NotifierState {
  std::vector<std::string> notified;  // mailto recipients already sent to
  std::size_t sent = 0;
};

class Notifier {
 public:
  Notifier(const MethodRegistry& methods, Policy policy, Limits limits, Transport& transport,
           NotifierState& state, RateLimiter* rate = nullptr)
      : methods_(methods),
        policy_(std::move(policy)),
        limits_(limits),
        transport_(transport),
        state_(state),
        rate_(rate) {}
  NotifyOutcome notify(const NotifyRequest& req, const Trigger& trigger);

 private:
  const MethodRegistry& methods_;
  Policy policy_;
  Limits limits_;
  Transport& transport_;
  NotifierState& state_;
  RateLimiter* rate_;
};

// Policy and limits from engine settings (Pigeonhole-style names without
// "sieve_": notify_mailto_envelope_from, notify_max_per_run, ...).
Policy policy_from_settings(const std::map<std::string, std::string, std::less<>>& values,
                            std::string_view postmaster);
Limits limits_from_settings(const std::map<std::string, std::string, std::less<>>& values);
// A fresh random token for Trigger::nonce.
std::string make_nonce();

// The Trigger of a delivery: header summary and loop markers of `m`.
Trigger make_trigger(const mail::Message& m, std::string_view envelope_from,
                     std::string_view envelope_to, std::string_view user_email);

}  // namespace zest::methods
