// [state] backend = "redis" against a real redis-server (run_redis.py starts
// it and passes ZEST_REDIS_PORT / ZEST_REDIS_PASSWORD): claims exclusive
// across independent backends (two zestd nodes), expiries that are the
// periods asked for, release, rate counts shared by nodes, and a stopped
// server as an error, never as "not seen". The last test stops the server.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include "delivery/redis_state.hpp"
#include "events/sequences.hpp"
#include "manage-sieve/login_guard.hpp"
#include "server/shared_sessions.hpp"

namespace zest::delivery {
namespace {

using std::chrono::seconds;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

RedisStateOptions options(std::string url_user = "") {
  RedisStateOptions o;
  auto url = transport::parse_redis_url("redis://" + url_user + ":" + env("ZEST_REDIS_PASSWORD") +
                                        "@127.0.0.1:" + env("ZEST_REDIS_PORT"));
  EXPECT_TRUE(url) << url.error();
  o.endpoint = url.value();
  o.key_prefix = "ztest:";
  o.timeout_seconds = 2;
  return o;
}

// A plain client, to look at what the backends wrote.
transport::RedisReply raw(const std::vector<std::string>& args) {
  transport::RedisClient c(options().endpoint, 2);
  EXPECT_TRUE(c.connect());
  auto r = c.command(args);
  EXPECT_TRUE(r) << r.error();
  return r ? r.value() : transport::RedisReply{};
}

// Two nodes: separate backends, separate connections; the ACL form
// (user "default") on one, the password alone on the other.
struct TwoNodes {
  RedisState a{options("default")};
  RedisState b{options()};
  store::SieveHome home{};  // unused by the redis backend
};

TEST(RedisState, ClaimIsExclusiveAcrossNodes) {
  TwoNodes n;
  auto a = n.a.open("alice@example.org", n.home, 0);
  auto b = n.b.open("alice@example.org", n.home, 0);
  auto first = a.duplicates->claim("vacation:bob@example.net", seconds(240));
  ASSERT_TRUE(first) << first.error();
  EXPECT_TRUE(*first);
  auto second = b.duplicates->claim("vacation:bob@example.net", seconds(240));
  ASSERT_TRUE(second) << second.error();
  EXPECT_FALSE(*second);
  EXPECT_TRUE(b.duplicates->seen("vacation:bob@example.net").value());
  // Another user's id of the same text is another key.
  auto other = n.b.open("carol@example.org", n.home, 0);
  EXPECT_TRUE(other.duplicates->claim("vacation:bob@example.net", seconds(240)).value());
}

TEST(RedisState, OnlyOneOfConcurrentClaimsWins) {
  std::atomic<int> winners{0}, errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      RedisState node(options());  // each thread a node of its own
      auto s = node.open("dave@example.org", {}, 0);
      auto r = s.duplicates->claim("redirect:<m1@example.net>:x@example.org", seconds(60));
      if (!r)
        ++errors;
      else if (*r)
        ++winners;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(winners.load(), 1);
}

TEST(RedisState, KeysAndExpiriesAreThePeriods) {
  TwoNodes n;
  auto a = n.a.open("erin@example.org", n.home, 0);
  const std::string key = duplicate_key("ztest:", "erin@example.org", "vacation:x@example.net");
  EXPECT_EQ(key.substr(0, 27), "ztest:dup:erin@example.org:");
  EXPECT_EQ(key.size(), 27u + 64u);  // sha256 in hex: the id itself is not in the key
  ASSERT_TRUE(a.duplicates->claim("vacation:x@example.net", seconds(240)).value());
  long long ttl = raw({"PTTL", key}).integer;
  EXPECT_GT(ttl, 235000);
  EXPECT_LE(ttl, 240000);
  // Marked for the vacation period (:days 7): the key lives that long.
  ASSERT_TRUE(a.duplicates->mark("vacation:x@example.net", std::chrono::days(7)));
  ttl = raw({"PTTL", key}).integer;
  EXPECT_GT(ttl, 7 * 86400000LL - 5000);
  EXPECT_LE(ttl, 7 * 86400000LL);
  // A shorter mark later does not shorten it (as the file keeps the longest).
  ASSERT_TRUE(a.duplicates->mark("vacation:x@example.net", seconds(60)));
  EXPECT_GT(raw({"PTTL", key}).integer, 86400000LL);
}

TEST(RedisState, AnExpiredClaimCanBeClaimedAgain) {
  TwoNodes n;
  auto a = n.a.open("frank@example.org", n.home, 0);
  auto b = n.b.open("frank@example.org", n.home, 0);
  ASSERT_TRUE(a.duplicates->claim("id-1", seconds(1)).value());
  EXPECT_FALSE(b.duplicates->claim("id-1", seconds(1)).value());
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  EXPECT_FALSE(b.duplicates->seen("id-1").value());
  EXPECT_TRUE(b.duplicates->claim("id-1", seconds(1)).value());
}

TEST(RedisState, ReleaseLetsTheNextClaimWinOthersStay) {
  TwoNodes n;
  auto a = n.a.open("gina@example.org", n.home, 0);
  auto b = n.b.open("gina@example.org", n.home, 0);
  ASSERT_TRUE(a.duplicates->claim("kept", seconds(60)).value());
  ASSERT_TRUE(a.duplicates->claim("dropped", seconds(60)).value());
  ASSERT_TRUE(a.duplicates->release("dropped"));
  EXPECT_FALSE(b.duplicates->seen("dropped").value());
  EXPECT_TRUE(b.duplicates->claim("dropped", seconds(60)).value());
  EXPECT_TRUE(b.duplicates->seen("kept").value());
}

TEST(RedisState, NotifyRateCountsOnceAcrossNodes) {
  TwoNodes n;
  auto a = n.a.open("hank@example.org", n.home, 3);
  auto b = n.b.open("hank@example.org", n.home, 3);
  int admitted = 0;
  for (int i = 0; i < 3; ++i) {
    admitted += a.notify_rate->allow("hank@example.org", 0);
    admitted += b.notify_rate->allow("hank@example.org", 0);
  }
  EXPECT_EQ(admitted, 3);
  EXPECT_TRUE(a.notify_rate->failure().empty());
  const std::string key = notify_rate_key("ztest:", "hank@example.org");
  EXPECT_EQ(key, "ztest:rate:notify:hank@example.org");
  EXPECT_EQ(raw({"GET", key}).text, "3");  // refusals are not counted
  const long long ttl = raw({"PTTL", key}).integer;
  EXPECT_GT(ttl, 3595000);
  EXPECT_LE(ttl, 3600000);
  // Another user has a count of their own; 0 = no limit, not counted.
  auto c = n.a.open("ida@example.org", n.home, 3);
  EXPECT_TRUE(c.notify_rate->allow("ida@example.org", 0));
  auto unlimited = n.a.open("hank@example.org", n.home, 0);
  EXPECT_TRUE(unlimited.notify_rate->allow("hank@example.org", 0));
  EXPECT_EQ(raw({"GET", key}).text, "3");
}

TEST(RedisState, AConnectionIsReusedAfterTheServerDroppedIt) {
  RedisState node(options());
  {
    auto s = node.open("jo@example.org", {}, 0);
    ASSERT_TRUE(s.duplicates->claim("one", seconds(60)).value());
  }  // the connection goes back to the pool
  raw({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});  // the server drops it
  auto s = node.open("jo@example.org", {}, 0);
  auto seen = s.duplicates->seen("one");
  ASSERT_TRUE(seen) << seen.error();
  EXPECT_TRUE(*seen);
}

TEST(RedisSequences, StreamsAreNumberedAcrossNodes) {
  const auto o = options();
  events::RedisSequences a(o.endpoint, "ztest:", 2), b(options("default").endpoint, "ztest:", 2);
  EXPECT_EQ(a.next("hook", "lee@example.org", 1).value(), 1);
  EXPECT_EQ(b.next("hook", "lee@example.org", 1).value(), 2);
  EXPECT_EQ(a.next("hook", "lee@example.org", 1).value(), 3);
  EXPECT_EQ(a.next("other", "lee@example.org", 1).value(), 1);  // per sink
  // A node whose outbox is ahead (numbers it counted itself) lifts the counter.
  EXPECT_EQ(b.next("hook", "lee@example.org", 10).value(), 10);
  EXPECT_EQ(a.next("hook", "lee@example.org", 1).value(), 11);
  EXPECT_EQ(raw({"GET", events::sequence_key("ztest:", "hook", "lee@example.org")}).text, "11");
  EXPECT_EQ(events::sequence_key("ztest:", "hook", "lee@example.org"),
            "ztest:seq:hook:lee@example.org");
}

// A claim's release deletes only its own claim: one that expired and was
// taken by another delivery stays.
TEST(RedisState, ReleaseAfterExpiryLeavesTheOtherClaim) {
  TwoNodes n;
  auto a = n.a.open("lou@example.org", n.home, 0);
  auto b = n.b.open("lou@example.org", n.home, 0);
  ASSERT_TRUE(a.duplicates->claim("slow", seconds(1)).value());
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  ASSERT_TRUE(b.duplicates->claim("slow", seconds(60)).value());
  ASSERT_TRUE(a.duplicates->release("slow"));  // a's claim is long gone
  EXPECT_TRUE(a.duplicates->seen("slow").value());
  EXPECT_FALSE(a.duplicates->claim("slow", seconds(60)).value());
  ASSERT_TRUE(b.duplicates->release("slow"));  // b's own: deleted
  EXPECT_FALSE(a.duplicates->seen("slow").value());
}

// Two nodes' ManageSieve state: separate pools, separate guards.
struct TwoSessionNodes {
  std::vector<std::string> log_a, log_b;
  server::SharedSessions a{options(), "node-a",
                           [this](std::string_view s) { log_a.emplace_back(s); }};
  server::SharedSessions b{options("default"), "node-b",
                           [this](std::string_view s) { log_b.emplace_back(s); }};
};

managesieve::LoginGuard::Options guard_options(std::chrono::seconds window) {
  managesieve::LoginGuard::Options o;
  o.base_delay = std::chrono::milliseconds(100);
  o.max_delay = std::chrono::milliseconds(100 * 16);
  o.window = window;
  return o;
}

TEST(SharedLogins, FailuresCountAcrossNodesAndExpireWithTheWindow) {
  TwoSessionNodes n;
  managesieve::LoginGuard ga(guard_options(seconds(600)), &n.a);
  managesieve::LoginGuard gb(guard_options(seconds(600)), &n.b);
  EXPECT_EQ(ga.failed("192.0.2.7", "Mia").count(), 100);
  EXPECT_EQ(ga.failed("192.0.2.7", "mia").count(), 200);
  // Node b has seen nothing itself, yet its delay follows the shared count.
  EXPECT_EQ(gb.failed("192.0.2.7", "mia").count(), 400);
  EXPECT_EQ(gb.failures("192.0.2.7", "nobody"), 3u);  // the address
  EXPECT_EQ(ga.failures("198.51.100.1", "mia"), 3u);  // the user, from another address
  EXPECT_EQ(raw({"GET", "ztest:login:fail:addr:192.0.2.7"}).text, "3");
  EXPECT_EQ(raw({"GET", "ztest:login:fail:user:mia"}).text, "3");
  const long long ttl = raw({"PTTL", "ztest:login:fail:user:mia"}).integer;
  EXPECT_GT(ttl, 595000);
  EXPECT_LE(ttl, 600000);
  // A login on node a clears both keys for every node.
  ga.succeeded("192.0.2.7", "mia");
  EXPECT_EQ(raw({"EXISTS", "ztest:login:fail:addr:192.0.2.7", "ztest:login:fail:user:mia"}).integer,
            0);
  EXPECT_EQ(gb.failures("192.0.2.7", "mia"), 0u);
  EXPECT_TRUE(n.log_a.empty());
  // A short window: the shared count is gone when it has passed.
  managesieve::LoginGuard shortwin(guard_options(seconds(1)), &n.a);
  (void)shortwin.failed("192.0.2.8", "");
  EXPECT_EQ(raw({"EXISTS", "ztest:login:fail:addr:192.0.2.8"}).integer, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(raw({"EXISTS", "ztest:login:fail:addr:192.0.2.8"}).integer, 0);
}

TEST(SharedConnections, LeasesAreExclusiveAtTheLimitAcrossNodes) {
  TwoSessionNodes n;
  EXPECT_TRUE(n.a.take_lease("192.0.2.9", "s1", 2).value());
  EXPECT_TRUE(n.a.take_lease("192.0.2.9", "s2", 2).value());
  EXPECT_FALSE(n.b.take_lease("192.0.2.9", "s1", 2).value());  // node b's own s1: the third
  EXPECT_TRUE(n.b.take_lease("192.0.2.10", "s1", 2).value());  // another address
  const auto members = raw({"ZRANGE", "ztest:conn:managesieve:192.0.2.9", "0", "-1"});
  ASSERT_EQ(members.elements.size(), 2u);
  EXPECT_EQ(members.elements[0].text, "node-a:s1");
  const long long ttl = raw({"PTTL", "ztest:conn:managesieve:192.0.2.9"}).integer;
  EXPECT_GT(ttl, 85000);
  EXPECT_LE(ttl, 90000);
  // A session that ends gives its place to another node's.
  n.a.drop_lease("192.0.2.9", "s1");
  EXPECT_EQ(raw({"ZCARD", "ztest:conn:managesieve:192.0.2.9"}).integer, 1);
  EXPECT_TRUE(n.b.take_lease("192.0.2.9", "s1", 2).value());
  EXPECT_FALSE(n.a.take_lease("192.0.2.9", "s3", 2).value());
  EXPECT_TRUE(n.a.take_lease("192.0.2.9", "s3", 0).value());  // 0: no limit
}

TEST(SharedConnections, AnExpiredLeaseFreesItsPlace) {
  // A node that died: its lease is not renewed, and expires.
  server::SharedSessions::Options shortlease;
  shortlease.lease = std::chrono::milliseconds(600);
  {
    server::SharedSessions dead(
        options(), "dead", [](std::string_view) {}, shortlease);
    ASSERT_TRUE(dead.take_lease("192.0.2.11", "s1", 1).value());
  }  // no drop: gone without a word (the renewer stopped with it)
  server::SharedSessions live(options(), "live", [](std::string_view) {});
  EXPECT_FALSE(live.take_lease("192.0.2.11", "s1", 1).value());
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  EXPECT_TRUE(live.take_lease("192.0.2.11", "s1", 1).value());
}

TEST(SharedConnections, ALiveSessionsLeaseIsRenewed) {
  server::SharedSessions::Options shortlease;
  shortlease.lease = std::chrono::milliseconds(900);  // renewed every 300 ms
  server::SharedSessions node(
      options(), "node", [](std::string_view) {}, shortlease);
  ASSERT_TRUE(node.take_lease("192.0.2.12", "s1", 1).value());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  server::SharedSessions other(options(), "other", [](std::string_view) {});
  EXPECT_FALSE(other.take_lease("192.0.2.12", "s1", 1).value());
  node.drop_lease("192.0.2.12", "s1");
  EXPECT_TRUE(other.take_lease("192.0.2.12", "s1", 1).value());
}

// Last (its suite is declared last, so it runs last): stops the server.
// Every operation then fails; none reads as "not seen", "claimed" or
// "under the limit".
TEST(RedisStopped, EveryOperationIsAnErrorNeverNotSeen) {
  TwoNodes n;
  auto a = n.a.open("kim@example.org", n.home, 5);
  ASSERT_TRUE(a.duplicates->claim("before", seconds(60)).value());
  {
    transport::RedisClient c(options().endpoint, 2);
    ASSERT_TRUE(c.connect());
    (void)c.command({"SHUTDOWN", "NOSAVE"});  // no reply: the server is gone
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(a.duplicates->seen("before"));
  EXPECT_FALSE(a.duplicates->claim("after", seconds(60)));
  EXPECT_FALSE(a.duplicates->mark("before", seconds(60)));
  EXPECT_FALSE(a.duplicates->release("before"));
  EXPECT_FALSE(a.notify_rate->allow("kim@example.org", 0));
  EXPECT_NE(a.notify_rate->failure().find("redis"), std::string::npos) << a.notify_rate->failure();
  events::RedisSequences seq(options().endpoint, "ztest:", 1);
  EXPECT_FALSE(seq.next("hook", "kim@example.org", 1));
  auto fresh = n.b.open("kim@example.org", n.home, 5);  // a new connection fails too
  auto r = fresh.duplicates->claim("after", seconds(60));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("redis"), std::string::npos) << r.error();

  // ManageSieve falls back to the node's own counts, logs once, and does
  // not ask again at once (the I/O thread must not wait at every accept).
  std::vector<std::string> log;
  server::SharedSessions shared(options(), "node-a",
                                [&log](std::string_view s) { log.emplace_back(s); });
  managesieve::LoginGuard guard(guard_options(seconds(600)), &shared);
  EXPECT_EQ(guard.failed("192.0.2.20", "kim").count(), 100);
  EXPECT_EQ(guard.failed("192.0.2.20", "kim").count(), 200);  // the local brake holds
  EXPECT_EQ(guard.failures("192.0.2.20", "kim"), 2u);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("event=state-error"), std::string::npos) << log[0];
  EXPECT_NE(log[0].find("fallback=local"), std::string::npos) << log[0];
  const auto start = std::chrono::steady_clock::now();
  auto lease = shared.take_lease("192.0.2.20", "s1", 1);
  EXPECT_FALSE(lease);  // unanswered: the caller decides by its own count
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  EXPECT_EQ(log.size(), 1u);
}

}  // namespace
}  // namespace zest::delivery
