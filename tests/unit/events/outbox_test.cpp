// The outbox: per-(sink, user) sequences without gaps, filters, stream
// heads, retry / dead / replay, and durability across reopening.
#include "events/outbox.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <thread>

namespace zest::events {
namespace {

namespace fs = std::filesystem;

struct TmpDir {
  TmpDir() {
    char tmpl[] = "/tmp/zest-outbox-XXXXXX";
    p = ::mkdtemp(tmpl);
  }
  ~TmpDir() {
    std::error_code ec;
    fs::remove_all(p, ec);
  }
  fs::path p;
};

Event ev(std::string type, std::string user) {
  Event e;
  e.id = new_event_id();
  e.type = std::move(type);
  e.user = std::move(user);
  e.time = rfc3339_now();
  e.data["user"] = e.user;
  return e;
}

std::vector<SinkFilter> sinks() {
  return {{"all", {}, {}, {}}, {"new-only", {"MessageNew"}, {}, {"carol"}}};
}

std::unique_ptr<Outbox> open(const TmpDir& t, std::chrono::seconds dead = std::chrono::hours(1)) {
  auto box = Outbox::open((t.p / "events.sqlite").string(), sinks(), dead);
  EXPECT_TRUE(box) << box.error();
  return std::move(box.value());
}

// Issue 15.5: the outbox holds envelopes and subjects: 0600, and so are the
// -wal and -shm files SQLite creates beside it, also for an old 0644 file.
TEST(Outbox, FilesArePrivate) {
  TmpDir t;
  const fs::path db = t.p / "events.sqlite";
  { auto box = open(t); }
  fs::permissions(db, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                          fs::perms::others_read);
  auto box = open(t);
  ASSERT_TRUE(box);
  for (const char* name : {"events.sqlite", "events.sqlite-wal", "events.sqlite-shm"}) {
    ASSERT_TRUE(fs::exists(t.p / name)) << name;
    EXPECT_EQ(fs::status(t.p / name).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write)
        << name;
  }
}

TEST(Outbox, SequencesPerSinkAndUserWithoutGaps) {
  TmpDir t;
  auto box = open(t);
  const std::vector<Event> batch = {ev("MailboxCreate", "alice"), ev("MessageNew", "alice"),
                                    ev("MessageNew", "bob"), ev("MessageNew", "alice"),
                                    ev("MessageNew", "carol")};
  ASSERT_TRUE(box->record(batch));
  auto all = box->list({State::Pending, "all", "alice"});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ((*all)[i].event.sequence, std::int64_t(i + 1));
  EXPECT_EQ((*all)[0].event.type, "MailboxCreate");
  auto filtered = box->list({State::Pending, "new-only", "alice"});
  ASSERT_EQ(filtered->size(), 2u);  // MailboxCreate filtered out, still 1, 2
  EXPECT_EQ((*filtered)[0].event.sequence, 1);
  EXPECT_EQ((*filtered)[1].event.sequence, 2);
  EXPECT_EQ((*filtered)[1].event.id, batch[3].id);
  EXPECT_TRUE(box->list({State::Pending, "new-only", "carol"})->empty());  // opted out
  EXPECT_EQ(box->list({State::Pending, "all", "carol"})->size(), 1u);
}

TEST(Outbox, HeadsAreTheOldestPendingOfEachStream) {
  TmpDir t;
  auto box = open(t);
  const std::vector<Event> batch = {ev("MessageNew", "alice"), ev("MessageNew", "alice"),
                                    ev("MessageNew", "bob")};
  ASSERT_TRUE(box->record(batch));
  auto heads = box->heads("all");
  ASSERT_TRUE(heads);
  ASSERT_EQ(heads->size(), 2u);
  for (const auto& h : *heads) EXPECT_EQ(h.event.sequence, 1);
  ASSERT_TRUE(box->mark_retry("all", "alice", 1, now_ms() + 1000, "HTTP status 500"));
  heads = box->heads("all");
  for (const auto& h : *heads) {
    if (h.event.user == "alice") {
      EXPECT_EQ(h.event.sequence, 1);  // still the head: order is kept
      EXPECT_EQ(h.attempts, 1);
      EXPECT_EQ(h.last_error, "HTTP status 500");
    }
  }
  ASSERT_TRUE(box->mark_delivered("all", "alice", 1));
  heads = box->heads("all");
  for (const auto& h : *heads) {
    if (h.event.user == "alice") {
      EXPECT_EQ(h.event.sequence, 2);
    }
  }
  ASSERT_TRUE(box->mark_dead("all", "alice", 2, "HTTP status 400"));
  ASSERT_TRUE(box->mark_delivered("all", "bob", 1));
  EXPECT_TRUE(box->heads("all")->empty());
  auto dead = box->list({State::Dead, "", ""});
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].event.id, batch[1].id);
  // Replay.
  auto n = box->retry({batch[1].id}, "");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
  heads = box->heads("all");
  ASSERT_EQ(heads->size(), 1u);
  EXPECT_EQ((*heads)[0].event.id, batch[1].id);
  EXPECT_EQ((*heads)[0].attempts, 0);
  EXPECT_EQ(*box->retry({}, ""), 0);  // nothing dead any more
}

TEST(Outbox, SurvivesReopeningAndContinuesTheSequence) {
  TmpDir t;
  {
    auto box = open(t);
    const std::vector<Event> batch = {ev("MessageNew", "alice")};
    ASSERT_TRUE(box->record(batch));
  }
  auto box = open(t);
  const std::vector<Event> batch = {ev("MessageNew", "alice")};
  ASSERT_TRUE(box->record(batch));
  auto rows = box->list({std::nullopt, "all", "alice"});
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[1].event.sequence, 2);
}

// A counter other nodes also take from ([state] backend = "redis").
class SharedCounter final : public SequenceSource {
 public:
  std::int64_t value = 0;
  std::vector<std::int64_t> floors;
  bool fail = false;
  Result<std::int64_t> next(std::string_view, std::string_view, std::int64_t floor) override {
    floors.push_back(floor);
    if (fail) return Result<std::int64_t>::failure("redis: connection refused");
    value = std::max(value + 1, floor);
    return value;
  }
};

TEST(Outbox, SharedSequencesNeverGoBackAndFailTheRecord) {
  TmpDir t;
  auto box = open(t);
  auto one = [&](const char* user) {
    const std::vector<Event> batch = {ev("MessageNew", user)};
    return box->record(batch);
  };
  auto seqs = [&] {
    std::vector<std::int64_t> out;
    const auto rows = box->list({std::nullopt, "all", "alice"});
    EXPECT_TRUE(rows);
    if (!rows) return out;
    const std::vector<Delivery>& list = rows.value();
    for (std::size_t i = 0; i < list.size(); ++i) out.push_back(list[i].event.sequence);
    return out;
  };
  ASSERT_TRUE(one("alice"));
  ASSERT_TRUE(one("alice"));  // counted here: 1, 2
  SharedCounter shared;       // the switch to a fresh shared counter
  box->set_sequences(&shared);
  ASSERT_TRUE(one("alice"));  // not 1: no lower than this outbox's last + 1
  EXPECT_EQ(shared.floors.back(), 3);
  shared.value = 10;  // other nodes took 4..10
  ASSERT_TRUE(one("alice"));
  EXPECT_EQ(seqs(), (std::vector<std::int64_t>{1, 2, 3, 11}));
  shared.fail = true;  // a number that cannot be had fails the record, nothing is kept
  EXPECT_FALSE(one("alice"));
  EXPECT_EQ(seqs().size(), 4u);
  box->set_sequences(nullptr);  // back to counting here: after the last shared one
  ASSERT_TRUE(one("alice"));
  EXPECT_EQ(seqs().back(), 12);
}

TEST(Outbox, ConcurrentWritersFromTwoConnectionsKeepSequencesGapless) {
  TmpDir t;
  auto a = open(t);
  auto b = open(t);
  auto write = [](Outbox& box) {
    for (int i = 0; i < 50; ++i) {
      const std::vector<Event> one = {ev("MessageNew", "alice")};
      ASSERT_TRUE(box.record(one));
    }
  };
  std::thread ta(write, std::ref(*a)), tb(write, std::ref(*b));
  ta.join();
  tb.join();
  auto rows = a->list({std::nullopt, "all", "alice"});
  ASSERT_EQ(rows->size(), 100u);
  for (std::size_t i = 0; i < rows->size(); ++i)
    EXPECT_EQ((*rows)[i].event.sequence, std::int64_t(i + 1));
}

TEST(Outbox, PruneForgetsOldDeliveredOnly) {
  TmpDir t;
  auto box = open(t);
  const std::vector<Event> batch = {ev("MessageNew", "alice"), ev("MessageNew", "alice")};
  ASSERT_TRUE(box->record(batch));
  ASSERT_TRUE(box->mark_delivered("all", "alice", 1));
  auto n = box->prune(std::chrono::seconds(-1));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(box->list({std::nullopt, "", ""})->size(), 3u);
}

TEST(Outbox, RecordWakesTheSenders) {
  TmpDir t;
  auto box = open(t);
  int calls = 0;
  box->on_record([&] { ++calls; });
  const std::vector<Event> batch = {ev("MessageNew", "alice")};
  ASSERT_TRUE(box->record(batch));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace zest::events
