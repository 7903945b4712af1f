// The notification outbox's sender pool against a scripted carrier and a
// real outbox: order per (destination, user), retries until delivered,
// the breaker keeping a failing destination from being tried while others
// go on, Retry-After as the delay, dead-lettering by age. Waits are
// bounded by counts reached (with a generous safety limit), not timings.
#include "events/notify_sender.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "events/notification.hpp"

namespace zest::events {
namespace {

namespace fs = std::filesystem;

struct TmpDir {
  TmpDir() {
    char tmpl[] = "/tmp/zest-notify-XXXXXX";
    p = ::mkdtemp(tmpl);
  }
  ~TmpDir() {
    std::error_code ec;
    fs::remove_all(p, ec);
  }
  fs::path p;
};

// Answers by a rule; records every attempt.
class ScriptedCarrier final : public NotifyCarrier {
 public:
  using Rule = std::function<Attempt(const Delivery&, int attempt_of_this_id)>;
  explicit ScriptedCarrier(Rule rule) : rule_(std::move(rule)) {}
  Attempt send(const Delivery& d) override {
    std::lock_guard lock(mu_);
    const int n = ++per_id_[d.event.id];
    log_.push_back({d.sink, d.event.user, d.event.id});
    Attempt a = rule_(d, n);
    if (a.kind == Attempt::Kind::Delivered) delivered_.push_back(d.event.id);
    cv_.notify_all();
    return a;
  }
  // Waits (at most a safety limit) until `pred` holds.
  bool wait(const std::function<bool()>& pred) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), pred);
  }
  struct Call {
    std::string sink, user, id;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Call> log_;
  std::vector<std::string> delivered_;
  std::map<std::string, int> per_id_;

 private:
  Rule rule_;
};

Routed routed(std::string sink, std::string user, std::string text) {
  Routed r;
  r.sink = std::move(sink);
  r.event.id = new_event_id();
  r.event.type = std::string(kNotifyType);
  r.event.user = std::move(user);
  r.event.time = rfc3339_now();
  r.event.data = {{"method", "https"}, {"payload", {{"url", "https://x/"}, {"body", text}}}};
  return r;
}

struct Fixture {
  explicit Fixture(ScriptedCarrier::Rule rule, NotifySenderOptions o = {},
                   std::chrono::seconds dead_after = std::chrono::hours(1)) {
    auto box = Outbox::open((tmp.p / "events.sqlite").string(), {}, std::chrono::hours(1));
    EXPECT_TRUE(box) << box.error();
    outbox = std::move(box.value());
    outbox->set_dead_after("notify:", dead_after);
    auto c = std::make_unique<ScriptedCarrier>(std::move(rule));
    carrier = c.get();
    o.backoff.backoff_initial = std::chrono::milliseconds(1);
    o.backoff.backoff_max = std::chrono::milliseconds(2);
    sender = std::make_unique<NotifySender>(*outbox, "notify:", std::move(c), o,
                                            [this](std::string_view l) {
                                              std::lock_guard lock(log_mu);
                                              lines.emplace_back(l);
                                            });
    outbox->on_record([this] { sender->wake(); });
  }
  void record(std::vector<Routed> r) { ASSERT_TRUE(outbox->record_all({}, r)); }
  TmpDir tmp;
  std::unique_ptr<Outbox> outbox;
  ScriptedCarrier* carrier = nullptr;
  std::unique_ptr<NotifySender> sender;
  std::mutex log_mu;
  std::vector<std::string> lines;
};

Attempt ok() {
  return {Attempt::Kind::Delivered, std::nullopt, ""};
}
Attempt fail(std::string why = "HTTP status 503") {
  return {Attempt::Kind::Retry, std::nullopt, std::move(why)};
}

TEST(NotifySender, KeepsOrderPerUserAndDestination) {
  Fixture f([](const Delivery&, int) { return ok(); });
  std::vector<Routed> r;
  std::vector<std::string> alice_a;
  for (int i = 0; i < 6; ++i) {
    r.push_back(routed("notify:https://a", "alice", std::to_string(i)));
    alice_a.push_back(r.back().event.id);
    r.push_back(routed("notify:https://b", "alice", std::to_string(i)));
    r.push_back(routed("notify:https://a", "bob", std::to_string(i)));
  }
  f.record(r);
  f.sender->start();
  ASSERT_TRUE(f.carrier->wait([&] { return f.carrier->delivered_.size() == 18; }));
  f.sender->stop();
  std::vector<std::string> seen;
  for (const auto& c : f.carrier->log_)
    if (c.sink == "notify:https://a" && c.user == "alice") seen.push_back(c.id);
  EXPECT_EQ(seen, alice_a);
  auto pending = f.outbox->list({State::Pending, "", "", 100});
  ASSERT_TRUE(pending);
  EXPECT_TRUE(pending->empty());
}

TEST(NotifySender, RetriesUntilDeliveredExactlyOnce) {
  // Each notification fails twice before it is taken (the breaker, which
  // counts failures in a row at the destination, is kept out of this).
  NotifySenderOptions o;
  o.breaker_failures = 1000;
  Fixture f([](const Delivery&, int n) { return n < 3 ? fail() : ok(); }, o);
  std::vector<Routed> r;
  for (int i = 0; i < 10; ++i)
    r.push_back(routed("notify:https://a", "u" + std::to_string(i % 3), "x"));
  f.record(r);
  f.sender->start();
  ASSERT_TRUE(f.carrier->wait([&] { return f.carrier->delivered_.size() == 10; }));
  f.sender->stop();
  std::set<std::string> unique(f.carrier->delivered_.begin(), f.carrier->delivered_.end());
  EXPECT_EQ(unique.size(), 10u);
  for (const auto& [id, n] : f.carrier->per_id_) EXPECT_EQ(n, 3) << id;
  auto done = f.outbox->list({State::Delivered, "", "", 100});
  ASSERT_TRUE(done);
  ASSERT_EQ(done->size(), 10u);
  for (const auto& d : *done) EXPECT_EQ(d.attempts, 3);
}

TEST(NotifySender, OpenBreakerStopsAttemptsAtThatDestinationOnly) {
  NotifySenderOptions o;
  o.workers = 2;  // one attempt at a time per destination
  o.breaker_failures = 2;
  o.breaker_cooldown = std::chrono::hours(1);
  Fixture f([](const Delivery& d,
               int) { return d.sink == "notify:https://dead" ? fail("timeout") : ok(); },
            o);
  std::vector<Routed> dead;
  for (int i = 0; i < 5; ++i)
    dead.push_back(routed("notify:https://dead", "u" + std::to_string(i), "x"));
  f.record(dead);
  f.sender->start();
  ASSERT_TRUE(f.carrier->wait([&] { return f.carrier->log_.size() >= 2; }));
  // Opened by now or by the second failure's report; a live destination
  // recorded afterwards is served while the dead one waits.
  for (int round = 0; round < 3; ++round) {
    f.record({routed("notify:https://live", "alice", "y")});
    ASSERT_TRUE(
        f.carrier->wait([&] { return f.carrier->delivered_.size() == std::size_t(round + 1); }));
  }
  f.sender->stop();
  int at_dead = 0;
  for (const auto& c : f.carrier->log_) at_dead += c.sink == "notify:https://dead";
  EXPECT_EQ(at_dead, 2);
  bool opened = false;
  for (const auto& l : f.lines) opened |= l.find("event=notify-breaker-open") == 0;
  EXPECT_TRUE(opened);
  auto pending = f.outbox->list({State::Pending, "notify:https://dead", "", 100});
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->size(), 5u);  // waiting, not lost
}

TEST(NotifySender, DeadAfterItsAge) {
  Fixture f([](const Delivery&, int) { return ok(); }, {}, std::chrono::seconds(0));
  f.record({routed("notify:mail", "alice", "x")});
  f.sender->start();
  for (int i = 0; i < 3000; ++i) {
    auto dead = f.outbox->list({State::Dead, "", "", 10});
    if (dead && dead->size() == 1) break;
    usleep(10000);
  }
  f.sender->stop();
  auto dead = f.outbox->list({State::Dead, "", "", 10});
  ASSERT_TRUE(dead);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].last_error, "not delivered in time");
  EXPECT_TRUE(f.carrier->log_.empty());
  // zest events retry gives it a fresh deadline of the notify kind.
  auto n = f.outbox->retry({(*dead)[0].event.id}, "");
  ASSERT_TRUE(n);
  EXPECT_EQ(n.value(), 1);
}

TEST(NotifySender, RetryAfterIsTheDelay) {
  SenderOptions o;
  o.backoff_initial = std::chrono::milliseconds(1000);
  o.backoff_max = std::chrono::milliseconds(60000);
  using std::chrono::milliseconds;
  EXPECT_EQ(notify_retry_delay(1, o, 0.5, milliseconds(120000)), milliseconds(120000));
  EXPECT_EQ(notify_retry_delay(9, o, 0.5, milliseconds(3000)), milliseconds(3000));
  EXPECT_EQ(notify_retry_delay(1, o, 0.0, milliseconds(0)), milliseconds(1000));
  // Without it: capped exponential backoff with jitter in [d/2, d].
  for (int n = 1; n < 40; ++n) {
    const auto lo = notify_retry_delay(n, o, 0.0, std::nullopt);
    const auto hi = notify_retry_delay(n, o, 0.999999, std::nullopt);
    EXPECT_LE(hi, milliseconds(60000));
    EXPECT_GE(lo * 2, hi - milliseconds(1));
  }
  EXPECT_EQ(notify_retry_delay(30, o, 0.999999, std::nullopt).count() / 1000, 59);
}

TEST(NotifySender, EventsNobodyWantsAreNotStored) {
  TmpDir t;
  auto box = Outbox::open((t.p / "e.sqlite").string(), {}, std::chrono::hours(1));
  ASSERT_TRUE(box);
  Event e;
  e.id = new_event_id();
  e.type = "MessageNew";
  e.user = "alice";
  e.time = rfc3339_now();
  ASSERT_TRUE(box.value()->record(std::span<const Event>(&e, 1)));
  auto all = box.value()->list({});
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->empty());
}

}  // namespace
}  // namespace zest::events
