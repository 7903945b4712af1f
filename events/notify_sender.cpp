#include "events/notify_sender.hpp"

#include <algorithm>
#include <random>

#include "base/logfmt.hpp"

namespace zest::events {
namespace {

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::chrono::milliseconds notify_retry_delay(int attempts, const SenderOptions& o, double unit,
                                             std::optional<std::chrono::milliseconds> retry_after) {
  if (retry_after) return std::max(*retry_after, o.backoff_initial);
  return retry_delay(attempts, o, unit, std::nullopt);
}

NotifySender::NotifySender(Outbox& outbox, std::string prefix,
                           std::unique_ptr<NotifyCarrier> carrier, NotifySenderOptions options,
                           LogFn log)
    : outbox_(outbox),
      prefix_(std::move(prefix)),
      carrier_(std::move(carrier)),
      options_(options),
      log_(std::move(log)) {
  options_.workers = std::max<std::size_t>(1, options_.workers);
  if (options_.per_destination == 0)
    options_.per_destination = std::max<std::size_t>(1, options_.workers / 2);
}

NotifySender::~NotifySender() {
  stop();
}

void NotifySender::start() {
  for (std::size_t i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { work(); });
  scheduler_ = std::thread([this] { schedule(); });
}

void NotifySender::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  sched_cv_.notify_one();
}

void NotifySender::stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_ && !scheduler_.joinable() && workers_.empty()) return;
    stop_ = true;
  }
  sched_cv_.notify_all();
  jobs_cv_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
  workers_.clear();
  // What finished meanwhile is recorded; queued jobs stay pending.
  std::vector<Done> done;
  {
    std::lock_guard lock(mu_);
    done.swap(done_);
    jobs_.clear();
  }
  for (auto& d : done) finish(d, 1.0);
}

void NotifySender::work() {
  for (;;) {
    Delivery d;
    {
      std::unique_lock lock(mu_);
      jobs_cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
      if (stop_) return;
      d = std::move(jobs_.front());
      jobs_.pop_front();
    }
    Attempt a = carrier_->send(d);
    {
      std::lock_guard lock(mu_);
      done_.push_back({std::move(d), std::move(a)});
    }
    sched_cv_.notify_one();
  }
}

CircuitBreaker& NotifySender::breaker(const std::string& sink) {
  auto it = breakers_.find(sink);
  if (it == breakers_.end())
    it = breakers_
             .emplace(sink, CircuitBreaker(options_.breaker_failures, options_.breaker_cooldown))
             .first;
  return it->second;
}

// Records one finished attempt: delivered, retried later (the breaker
// counts the failure) or dead.
void NotifySender::finish(Done& done, double unit) {
  const Delivery& d = done.delivery;
  const Attempt& a = done.attempt;
  const std::string& sink = d.sink;
  in_flight_.erase({sink, d.event.user});
  if (auto it = per_sink_.find(sink); it != per_sink_.end() && it->second > 0) --it->second;
  const std::string ids =
      base::log_field("destination", sink) + " " + base::log_field("id", d.event.id) + " " +
      base::log_field("user", d.event.user) + " " + base::log_field("type", d.event.type) +
      " attempt=" + std::to_string(d.attempts + 1);
  CircuitBreaker& cb = breaker(sink);
  const bool was_open = cb.state(steady_ms()) != CircuitBreaker::State::Closed;
  Status err;
  if (a.kind == Attempt::Kind::Delivered) {
    cb.success();
    err = outbox_.mark_delivered(sink, d.event.user, d.event.sequence);
    log_("event=notify-delivered " + ids);
  } else if (a.kind == Attempt::Kind::Permanent) {
    cb.success();  // the destination answered
    err = outbox_.mark_dead(sink, d.event.user, d.event.sequence, a.error);
    log_("event=notify-dead " + ids + " " + base::log_field("error", a.error));
  } else {
    cb.failure(steady_ms());
    const auto delay = notify_retry_delay(d.attempts + 1, options_.backoff, unit, a.retry_after);
    err =
        outbox_.mark_retry(sink, d.event.user, d.event.sequence, now_ms() + delay.count(), a.error);
    log_("event=notify-retry " + ids + " delay_ms=" + std::to_string(delay.count()) + " " +
         base::log_field("error", a.error));
  }
  const bool open = cb.state(steady_ms()) != CircuitBreaker::State::Closed;
  if (open && !was_open)
    log_("event=notify-breaker-open " + base::log_field("destination", sink) +
         " failures=" + std::to_string(cb.consecutive_failures()));
  else if (!open && was_open)
    log_("event=notify-breaker-closed " + base::log_field("destination", sink));
  if (!err)
    log_("event=outbox-error " + base::log_field("destination", sink) + " " +
         base::log_field("error", err.error()));
}

void NotifySender::schedule() {
  std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::size_t queued = 0;  // attempts handed to the workers and not finished
  for (;;) {
    std::vector<Done> done;
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      done.swap(done_);
      woken_ = false;
    }
    for (auto& d : done) {
      finish(d, unit(rng));
      --queued;
    }
    const std::int64_t now = now_ms();
    std::int64_t next_due = now + options_.backoff.poll_interval.count();
    auto heads = outbox_.heads_with_prefix(prefix_);
    std::vector<Delivery> start;
    if (!heads) {
      log_("event=outbox-error " + base::log_field("error", heads.error()));
    } else {
      for (auto& d : heads.value()) {
        if (queued + start.size() >= options_.workers) break;
        if (in_flight_.count({d.sink, d.event.user})) continue;
        if (d.deadline_ms <= now) {
          const std::string why = d.last_error.empty() ? "not delivered in time" : d.last_error;
          if (auto s = outbox_.mark_dead(d.sink, d.event.user, d.event.sequence, why); !s)
            log_("event=outbox-error " + base::log_field("error", s.error()));
          log_("event=notify-dead " + base::log_field("destination", d.sink) + " " +
               base::log_field("id", d.event.id) + " " + base::log_field("user", d.event.user) +
               " " + base::log_field("type", d.event.type) + " " + base::log_field("error", why));
          next_due = now;  // the stream's next one is due
          continue;
        }
        if (d.next_ms > now) {
          next_due = std::min(next_due, d.next_ms);
          continue;
        }
        if (per_sink_[d.sink] >= options_.per_destination) continue;
        CircuitBreaker& cb = breaker(d.sink);
        const std::int64_t steady = steady_ms();
        if (!cb.allow(steady)) {
          if (cb.state(steady) == CircuitBreaker::State::Open)
            next_due = std::min(next_due, now + (cb.open_until() - steady));
          continue;
        }
        in_flight_[{d.sink, d.event.user}] = true;
        ++per_sink_[d.sink];
        start.push_back(std::move(d));
      }
    }
    if (!start.empty()) {
      {
        std::lock_guard lock(mu_);
        queued += start.size();
        for (auto& d : start) jobs_.push_back(std::move(d));
      }
      jobs_cv_.notify_all();
    }
    std::unique_lock lock(mu_);
    const auto wait = std::chrono::milliseconds(std::max<std::int64_t>(0, next_due - now_ms()));
    sched_cv_.wait_for(lock, wait, [&] { return stop_ || woken_ || !done_.empty(); });
  }
}

}  // namespace zest::events
