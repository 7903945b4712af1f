#include "events/sender.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <random>

#include "base/logfmt.hpp"
#include "base/text.hpp"
#include "transport/http_client.hpp"

namespace zest::events {

std::chrono::milliseconds retry_delay(int attempts, const SenderOptions& o, double unit,
                                      std::optional<std::chrono::milliseconds> retry_after) {
  std::int64_t d = o.backoff_initial.count();
  for (int i = 1; i < attempts && d < o.backoff_max.count(); ++i) d *= 2;
  d = std::min(d, static_cast<std::int64_t>(o.backoff_max.count()));
  const auto jittered = static_cast<std::int64_t>(static_cast<double>(d) * (0.5 + unit / 2));
  std::chrono::milliseconds out(std::max<std::int64_t>(jittered, 1));
  if (retry_after && *retry_after > out) out = *retry_after;
  return out;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view v, std::int64_t now) {
  v = base::trim(v);
  if (v.empty()) return std::nullopt;
  // A receiver may not park a stream for longer than a day (and a huge
  // value must not overflow the conversion to milliseconds).
  auto capped = [](std::int64_t secs) {
    return std::chrono::milliseconds(std::clamp<std::int64_t>(secs, 0, kMaxRetryAfterSeconds) *
                                     1000);
  };
  std::int64_t secs = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), secs);
  if (r.ec == std::errc::result_out_of_range && r.ptr == v.data() + v.size() && v.front() != '-')
    return capped(kMaxRetryAfterSeconds);
  if (r.ec == std::errc() && r.ptr == v.data() + v.size() && secs >= 0) return capped(secs);
  const auto when = transport::parse_http_date(v);
  if (!when) return std::nullopt;
  return capped(*when - now);  // a date in the past asks for no delay
}

Sender::Sender(Outbox& outbox, std::string sink, std::unique_ptr<SinkTransport> transport,
               SenderOptions options, LogFn log)
    : outbox_(outbox),
      sink_(std::move(sink)),
      transport_(std::move(transport)),
      options_(options),
      log_(std::move(log)) {}

Sender::~Sender() {
  stop();
}

void Sender::start() {
  thread_ = std::thread([this] { run(); });
}

void Sender::stop() {
  stop_ = true;
  if (transport_) transport_->wake();
  if (thread_.joinable()) thread_.join();
}

void Sender::run() {
  std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::map<std::string, Delivery> in_flight;  // by user
  while (!stop_) {
    const std::int64_t now = now_ms();
    std::int64_t next_due = now + options_.poll_interval.count();
    auto heads = outbox_.heads(sink_);
    if (!heads) {
      log_("event=outbox-error " + base::log_field("sink", sink_) + " " +
           base::log_field("error", heads.error()));
    } else {
      for (auto& d : heads.value()) {
        if (in_flight.size() >= transport_->capacity()) break;
        if (in_flight.count(d.event.user)) continue;
        if (d.deadline_ms <= now) {
          const std::string why = d.last_error.empty() ? "not delivered in time" : d.last_error;
          if (auto s = outbox_.mark_dead(sink_, d.event.user, d.event.sequence, why); !s)
            log_("event=outbox-error " + base::log_field("sink", sink_) + " " +
                 base::log_field("error", s.error()));
          log_("event=event-dead " + base::log_field("sink", sink_) + " " +
               base::log_field("id", d.event.id) + " " + base::log_field("user", d.event.user) +
               " seq=" + std::to_string(d.event.sequence) + " " + base::log_field("error", why));
          next_due = now;  // the stream's next event is due now
          continue;
        }
        if (d.next_ms > now) {
          next_due = std::min(next_due, d.next_ms);
          continue;
        }
        transport_->start(d);
        in_flight.emplace(d.event.user, std::move(d));
      }
    }
    const auto wait = std::chrono::milliseconds(std::max<std::int64_t>(0, next_due - now_ms()));
    for (auto& done : transport_->wait(wait)) {
      auto it = in_flight.find(done.user);
      if (it == in_flight.end()) continue;
      const Delivery d = std::move(it->second);
      in_flight.erase(it);
      const auto& a = done.attempt;
      const std::string ids =
          base::log_field("sink", sink_) + " " + base::log_field("id", d.event.id) + " " +
          base::log_field("user", d.event.user) + " seq=" + std::to_string(d.event.sequence) +
          " attempt=" + std::to_string(d.attempts + 1);
      Status err;
      if (a.kind == Attempt::Kind::Delivered) {
        err = outbox_.mark_delivered(sink_, d.event.user, d.event.sequence);
        log_("event=event-delivered " + ids + " " + base::log_field("type", d.event.type));
      } else if (a.kind == Attempt::Kind::Permanent) {
        err = outbox_.mark_dead(sink_, d.event.user, d.event.sequence, a.error);
        log_("event=event-dead " + ids + " " + base::log_field("error", a.error));
      } else {
        const auto delay = retry_delay(d.attempts + 1, options_, unit(rng), a.retry_after);
        err = outbox_.mark_retry(sink_, d.event.user, d.event.sequence, now_ms() + delay.count(),
                                 a.error);
        log_("event=event-retry " + ids + " delay_ms=" + std::to_string(delay.count()) + " " +
             base::log_field("error", a.error));
      }
      if (!err)
        log_("event=outbox-error " + base::log_field("sink", sink_) + " " +
             base::log_field("error", err.error()));
    }
  }
}

}  // namespace zest::events
