// The durable outbox of message-store events: SQLite in WAL mode with
// synchronous=FULL, so record() returns only after the events are on disk.
// Each recorded event is assigned, in the same transaction, to every sink
// whose filter accepts it, with the next number of that (sink, user)
// stream: streams have no gaps. Senders take the head of each stream,
// and mark it delivered, retried later or dead; `zest events` lists and
// replays. Safe to use from several threads and several processes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "events/event.hpp"
#include "events/sequences.hpp"

struct sqlite3;

namespace zest::events {

// Which events one sink receives (docs/events.md, [[events.sink]]).
struct SinkFilter {
  std::string name;
  std::vector<std::string> types;           // empty = every type
  std::vector<std::string> users;           // non-empty = only these (opt-in)
  std::vector<std::string> users_excluded;  // never these (opt-out)
  bool accepts(std::string_view type, std::string_view user) const;
};

enum class State { Pending = 0, Delivered = 1, Dead = 2 };
std::string_view state_name(State s);

// One (sink, event) delivery row.
struct Delivery {
  std::string sink;
  StreamEvent event;  // event.sequence is the (sink, user) number
  State state = State::Pending;
  int attempts = 0;
  std::int64_t next_ms = 0;      // earliest next attempt (Unix ms)
  std::int64_t deadline_ms = 0;  // parked as dead after this
  std::string last_error;
};

class Outbox final : public EventRecorder {
 public:
  // Opens (creating) the database. `dead_after`: how long a delivery is
  // retried before it is parked as dead.
  static Result<std::unique_ptr<Outbox>> open(const std::string& path,
                                              std::vector<SinkFilter> sinks,
                                              std::chrono::seconds dead_after);
  struct Key {  // only open() makes an Outbox
   private:
    Key() = default;
    friend class Outbox;
  };
  Outbox(Key, sqlite3* db, std::vector<SinkFilter> sinks, std::chrono::seconds dead_after);
  ~Outbox() override;
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  using EventRecorder::record;
  // Events go to the sinks whose filter accepts them (an event no sink
  // wants is not stored); routed ones to their own sink's stream.
  Status record_all(std::span<const Event> events, std::span<const Routed> routed) override;
  // Deliveries to sinks named with `prefix` are retried this long instead
  // (one prefix; set before use: [notify] dead_after for "notify:").
  void set_dead_after(std::string prefix, std::chrono::seconds dead_after);
  // Called after every successful record() (senders wake up).
  void on_record(std::function<void()> fn);
  // Takes the streams' numbers from `s` ([state] backend = "redis": shared
  // by every node) instead of counting here; null = count here. `s` must
  // outlive the outbox. A number `s` cannot give fails the record.
  void set_sequences(SequenceSource* s);

  // The oldest pending delivery of each of the sink's user streams.
  Result<std::vector<Delivery>> heads(std::string_view sink);
  // The same for every sink whose name starts with `prefix` (one head per
  // (sink, user) stream).
  Result<std::vector<Delivery>> heads_with_prefix(std::string_view prefix);
  Status mark_delivered(std::string_view sink, std::string_view user, std::int64_t seq);
  Status mark_retry(std::string_view sink, std::string_view user, std::int64_t seq,
                    std::int64_t next_ms, std::string_view error);
  Status mark_dead(std::string_view sink, std::string_view user, std::int64_t seq,
                   std::string_view error);

  struct Query {
    std::optional<State> state;
    std::string sink, user;
    std::size_t limit = 1000;
  };
  Result<std::vector<Delivery>> list(const Query& q);
  // Pending and dead deliveries per sink (sinks with none are absent).
  struct SinkCounts {
    std::string sink;
    std::int64_t pending = 0, dead = 0;
  };
  Result<std::vector<SinkCounts>> counts();
  // Makes dead deliveries pending again (fresh deadline, attempts 0): the
  // given event ids, or all dead ones when `ids` is empty; `sink` narrows.
  Result<int> retry(const std::vector<std::string>& ids, std::string_view sink);
  // Forgets delivered rows older than `age` and events no sink still needs.
  Result<int> prune(std::chrono::seconds age);

 private:
  Status exec(const char* sql);
  Status update(const char* sql, std::string_view sink, std::string_view user, std::int64_t seq,
                std::int64_t a, std::string_view text);

  sqlite3* db_;
  std::vector<SinkFilter> sinks_;
  std::chrono::seconds dead_after_;
  std::string prefix_;  // set_dead_after()
  std::chrono::seconds prefix_dead_after_{0};
  std::chrono::seconds dead_after_for(std::string_view sink) const;
  std::mutex mu_;
  std::function<void()> on_record_;
  SequenceSource* sequences_ = nullptr;
  Result<std::int64_t> next_sequence(const std::string& sink, const std::string& user);
};

std::int64_t now_ms();

}  // namespace zest::events
