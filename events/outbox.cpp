#include "events/outbox.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace zest::events {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS event(
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL UNIQUE,
  user TEXT NOT NULL,
  type TEXT NOT NULL,
  time TEXT NOT NULL,
  data TEXT NOT NULL,
  created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS stream(
  sink TEXT NOT NULL,
  user TEXT NOT NULL,
  last_seq INTEGER NOT NULL,
  PRIMARY KEY(sink, user));
CREATE TABLE IF NOT EXISTS delivery(
  sink TEXT NOT NULL,
  user TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event INTEGER NOT NULL REFERENCES event(id),
  state INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_ms INTEGER NOT NULL,
  deadline_ms INTEGER NOT NULL,
  done_ms INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(sink, user, seq));
CREATE INDEX IF NOT EXISTS delivery_state ON delivery(sink, state, user, seq);
)sql";

// A prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &st_, nullptr) != SQLITE_OK) st_ = nullptr;
  }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return st_ != nullptr; }
  Stmt& bind(int i, std::string_view s) {
    sqlite3_bind_text(st_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(st_, i, v);
    return *this;
  }
  int step() { return sqlite3_step(st_); }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(st_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(st_, col)))
             : std::string();
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(st_, col); }
  std::string error() const { return sqlite3_errmsg(db_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

constexpr const char* kSelectDelivery =
    "SELECT d.sink, d.user, d.seq, d.state, d.attempts, d.next_ms, d.deadline_ms, d.last_error,"
    " e.uid, e.type, e.time, e.data FROM delivery d JOIN event e ON e.id = d.event ";

Delivery read_delivery(const Stmt& s) {
  Delivery d;
  d.sink = s.text(0);
  d.event.user = s.text(1);
  d.event.sequence = s.integer(2);
  d.state = static_cast<State>(s.integer(3));
  d.attempts = static_cast<int>(s.integer(4));
  d.next_ms = s.integer(5);
  d.deadline_ms = s.integer(6);
  d.last_error = s.text(7);
  d.event.id = s.text(8);
  d.event.type = s.text(9);
  d.event.time = s.text(10);
  d.event.data = s.text(11);
  return d;
}

}  // namespace

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool SinkFilter::accepts(std::string_view type, std::string_view user) const {
  if (!types.empty() && !contains(types, type)) return false;
  if (!users.empty() && !contains(users, user)) return false;
  return !contains(users_excluded, user);
}

std::string_view state_name(State s) {
  switch (s) {
    case State::Pending:
      return "pending";
    case State::Delivered:
      return "delivered";
    case State::Dead:
      return "dead";
  }
  return "?";
}

Outbox::Outbox(Key, sqlite3* db, std::vector<SinkFilter> sinks, std::chrono::seconds dead_after)
    : db_(db), sinks_(std::move(sinks)), dead_after_(dead_after) {}

Outbox::~Outbox() {
  sqlite3_close_v2(db_);
}

Result<std::unique_ptr<Outbox>> Outbox::open(const std::string& path, std::vector<SinkFilter> sinks,
                                             std::chrono::seconds dead_after) {
  using R = Result<std::unique_ptr<Outbox>>;
  // The outbox holds envelopes, subjects and client addresses: private
  // (0600). SQLite gives the -wal and -shm files the database's mode, so
  // the file is created (or narrowed, for older installs) before it opens.
  if (path != ":memory:") {
    if (const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600); fd >= 0) {
      ::fchmod(fd, 0600);
      ::close(fd);
    }
    for (const char* suffix : {"-wal", "-shm"}) ::chmod((path + suffix).c_str(), 0600);
  }
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string err = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return R::failure(path + ": " + err);
  }
  auto box = std::make_unique<Outbox>(Key{}, db, std::move(sinks), dead_after);
  sqlite3_busy_timeout(db, 30000);  // other processes (`zest deliver`, `zest events`)
  // WAL: readers never block the writer; FULL: a commit is fsynced before
  // it returns, which is what lets delivery acknowledge the message.
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", kSchema})
    if (auto s = box->exec(sql); !s) return R::failure(path + ": " + s.error());
  return box;
}

Status Outbox::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string e = msg ? msg : sqlite3_errmsg(db_);
    sqlite3_free(msg);
    return Status::failure(std::move(e));
  }
  return Status::success();
}

void Outbox::on_record(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  on_record_ = std::move(fn);
}

void Outbox::set_dead_after(std::string prefix, std::chrono::seconds dead_after) {
  std::lock_guard lock(mu_);
  prefix_ = std::move(prefix);
  prefix_dead_after_ = dead_after;
}

std::chrono::seconds Outbox::dead_after_for(std::string_view sink) const {
  return !prefix_.empty() && sink.starts_with(prefix_) ? prefix_dead_after_ : dead_after_;
}

void Outbox::set_sequences(SequenceSource* s) {
  std::lock_guard lock(mu_);
  sequences_ = s;
}

// Counted in the stream table; or taken from the shared source, no lower
// than this outbox's last number + 1, and recorded there as the new last.
Result<std::int64_t> Outbox::next_sequence(const std::string& sink, const std::string& user) {
  using R = Result<std::int64_t>;
  if (!sequences_) {
    Stmt seq(db_,
             "INSERT INTO stream(sink, user, last_seq) VALUES(?1, ?2, 1) "
             "ON CONFLICT(sink, user) DO UPDATE SET last_seq = last_seq + 1 "
             "RETURNING last_seq");
    if (!seq.ok()) return R::failure(sqlite3_errmsg(db_));
    seq.bind(1, sink).bind(2, user);
    if (seq.step() != SQLITE_ROW) return R::failure(seq.error());
    const std::int64_t n = seq.integer(0);
    if (seq.step() != SQLITE_DONE) return R::failure(seq.error());
    return n;
  }
  std::int64_t floor = 1;
  {
    Stmt last(db_, "SELECT last_seq FROM stream WHERE sink = ?1 AND user = ?2");
    if (!last.ok()) return R::failure(sqlite3_errmsg(db_));
    last.bind(1, sink).bind(2, user);
    const int rc = last.step();
    if (rc == SQLITE_ROW)
      floor = last.integer(0) + 1;
    else if (rc != SQLITE_DONE)
      return R::failure(last.error());
  }
  auto n = sequences_->next(sink, user, floor);
  if (!n) return n;
  Stmt up(db_,
          "INSERT INTO stream(sink, user, last_seq) VALUES(?1, ?2, ?3) "
          "ON CONFLICT(sink, user) DO UPDATE SET last_seq = max(last_seq, ?3)");
  if (!up.ok()) return R::failure(sqlite3_errmsg(db_));
  up.bind(1, sink).bind(2, user).bind(3, *n);
  if (up.step() != SQLITE_DONE) return R::failure(up.error());
  return n;
}

Status Outbox::record_all(std::span<const Event> events, std::span<const Routed> routed) {
  if (events.empty() && routed.empty()) return Status::success();
  std::function<void()> notify;
  {
    std::lock_guard lock(mu_);
    if (auto s = exec("BEGIN IMMEDIATE"); !s) return Status::failure("outbox: " + s.error());
    auto fail = [&](std::string what) {
      (void)exec("ROLLBACK");
      return Status::failure("outbox: " + what);
    };
    const std::int64_t now = now_ms();
    bool wrote = false;
    // One event row, then one delivery row in each of `sinks`' streams.
    auto add = [&](const Event& ev, std::span<const std::string* const> sinks) -> Status {
      if (sinks.empty()) return Status::success();  // nobody wants it: not stored
      Stmt ins(db_,
               "INSERT INTO event(uid, user, type, time, data, created_ms) VALUES(?,?,?,?,?,?)");
      if (!ins.ok()) return Status::failure(sqlite3_errmsg(db_));
      ins.bind(1, ev.id).bind(2, ev.user).bind(3, ev.type).bind(4, ev.time);
      ins.bind(5, ev.data.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
      ins.bind(6, now);
      if (ins.step() != SQLITE_DONE) return Status::failure(ins.error());
      const std::int64_t rowid = sqlite3_last_insert_rowid(db_);
      for (const std::string* sink : sinks) {
        const auto next = next_sequence(*sink, ev.user);
        if (!next) return Status::failure(next.error());
        const std::int64_t n = *next;
        Stmt d(db_,
               "INSERT INTO delivery(sink, user, seq, event, next_ms, deadline_ms) "
               "VALUES(?,?,?,?,?,?)");
        if (!d.ok()) return Status::failure(sqlite3_errmsg(db_));
        d.bind(1, *sink).bind(2, ev.user).bind(3, n).bind(4, rowid).bind(5, now);
        d.bind(6, now + dead_after_for(*sink).count() * 1000);
        if (d.step() != SQLITE_DONE) return Status::failure(d.error());
      }
      wrote = true;
      return Status::success();
    };
    std::vector<const std::string*> accepting;
    for (const Event& ev : events) {
      accepting.clear();
      for (const auto& sink : sinks_)
        if (sink.accepts(ev.type, ev.user)) accepting.push_back(&sink.name);
      if (auto s = add(ev, accepting); !s) return fail(s.error());
    }
    for (const Routed& r : routed) {
      const std::string* one[] = {&r.sink};
      if (auto s = add(r.event, one); !s) return fail(s.error());
    }
    if (!wrote) return exec("ROLLBACK");  // nothing any sink wants
    if (auto s = exec("COMMIT"); !s) return fail(s.error());
    notify = on_record_;
  }
  if (notify) notify();
  return Status::success();
}

Result<std::vector<Delivery>> Outbox::heads(std::string_view sink) {
  using R = Result<std::vector<Delivery>>;
  std::lock_guard lock(mu_);
  const std::string sql = std::string(kSelectDelivery) +
                          "JOIN (SELECT user AS u, min(seq) AS s FROM delivery "
                          "WHERE sink = ?1 AND state = 0 GROUP BY user) h "
                          "ON d.sink = ?1 AND d.user = h.u AND d.seq = h.s ORDER BY d.next_ms";
  Stmt s(db_, sql.c_str());
  if (!s.ok()) return R::failure(sqlite3_errmsg(db_));
  s.bind(1, sink);
  std::vector<Delivery> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_delivery(s));
  if (rc != SQLITE_DONE) return R::failure(s.error());
  return out;
}

Result<std::vector<Delivery>> Outbox::heads_with_prefix(std::string_view prefix) {
  using R = Result<std::vector<Delivery>>;
  std::lock_guard lock(mu_);
  // A range on the sink name (the prefix up to the prefix with its last
  // octet raised), so the index on (sink, state, ...) is used; not LIKE:
  // names may hold '%' and '_'.
  std::string upper(prefix);
  if (!upper.empty()) upper.back() = static_cast<char>(upper.back() + 1);
  const std::string sql = std::string(kSelectDelivery) +
                          "JOIN (SELECT sink AS k, user AS u, min(seq) AS s FROM delivery "
                          "WHERE sink >= ?1 AND sink < ?2 AND state = 0 "
                          "GROUP BY sink, user) h "
                          "ON d.sink = h.k AND d.user = h.u AND d.seq = h.s ORDER BY d.next_ms";
  Stmt s(db_, sql.c_str());
  if (!s.ok()) return R::failure(sqlite3_errmsg(db_));
  s.bind(1, prefix).bind(2, upper);
  std::vector<Delivery> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_delivery(s));
  if (rc != SQLITE_DONE) return R::failure(s.error());
  return out;
}

Status Outbox::update(const char* sql, std::string_view sink, std::string_view user,
                      std::int64_t seq, std::int64_t a, std::string_view text) {
  std::lock_guard lock(mu_);
  Stmt s(db_, sql);
  if (!s.ok()) return Status::failure(sqlite3_errmsg(db_));
  s.bind(1, sink).bind(2, user).bind(3, seq).bind(4, a).bind(5, text);
  if (s.step() != SQLITE_DONE) return Status::failure(s.error());
  return Status::success();
}

Status Outbox::mark_delivered(std::string_view sink, std::string_view user, std::int64_t seq) {
  return update(
      "UPDATE delivery SET state = 1, attempts = attempts + 1, done_ms = ?4, last_error = ?5 "
      "WHERE sink = ?1 AND user = ?2 AND seq = ?3",
      sink, user, seq, now_ms(), "");
}

Status Outbox::mark_retry(std::string_view sink, std::string_view user, std::int64_t seq,
                          std::int64_t next_ms, std::string_view error) {
  return update(
      "UPDATE delivery SET attempts = attempts + 1, next_ms = ?4, last_error = ?5 "
      "WHERE sink = ?1 AND user = ?2 AND seq = ?3",
      sink, user, seq, next_ms, error);
}

Status Outbox::mark_dead(std::string_view sink, std::string_view user, std::int64_t seq,
                         std::string_view error) {
  return update(
      "UPDATE delivery SET state = 2, attempts = attempts + 1, done_ms = ?4, last_error = ?5 "
      "WHERE sink = ?1 AND user = ?2 AND seq = ?3",
      sink, user, seq, now_ms(), error);
}

Result<std::vector<Delivery>> Outbox::list(const Query& q) {
  using R = Result<std::vector<Delivery>>;
  std::lock_guard lock(mu_);
  const std::string sql = std::string(kSelectDelivery) +
                          "WHERE (?1 < 0 OR d.state = ?1) AND (?2 = '' OR d.sink = ?2) "
                          "AND (?3 = '' OR d.user = ?3) ORDER BY d.sink, d.user, d.seq LIMIT ?4";
  Stmt s(db_, sql.c_str());
  if (!s.ok()) return R::failure(sqlite3_errmsg(db_));
  s.bind(1, q.state ? static_cast<std::int64_t>(*q.state) : -1).bind(2, q.sink).bind(3, q.user);
  s.bind(4, static_cast<std::int64_t>(q.limit));
  std::vector<Delivery> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_delivery(s));
  if (rc != SQLITE_DONE) return R::failure(s.error());
  return out;
}

Result<std::vector<Outbox::SinkCounts>> Outbox::counts() {
  using R = Result<std::vector<SinkCounts>>;
  std::lock_guard lock(mu_);
  Stmt s(db_,
         "SELECT sink, state, COUNT(*) FROM delivery WHERE state IN (0, 2) "
         "GROUP BY sink, state ORDER BY sink");
  if (!s.ok()) return R::failure(sqlite3_errmsg(db_));
  std::vector<SinkCounts> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    const std::string sink = s.text(0);
    if (out.empty() || out.back().sink != sink) out.push_back({sink, 0, 0});
    (s.integer(1) == 0 ? out.back().pending : out.back().dead) = s.integer(2);
  }
  if (rc != SQLITE_DONE) return R::failure(s.error());
  return out;
}

Result<int> Outbox::retry(const std::vector<std::string>& ids, std::string_view sink) {
  using R = Result<int>;
  std::lock_guard lock(mu_);
  const std::int64_t now = now_ms();
  int changed = 0;
  auto run = [&](std::string_view id) -> Status {
    Stmt s(db_,
           "UPDATE delivery SET state = 0, attempts = 0, next_ms = ?1, deadline_ms = ?1 + "
           "CASE WHEN ?5 <> '' AND substr(sink, 1, length(?5)) = ?5 THEN ?6 ELSE ?2 END "
           "WHERE state = 2 AND (?3 = '' OR sink = ?3) "
           "AND (?4 = '' OR event = (SELECT id FROM event WHERE uid = ?4))");
    if (!s.ok()) return Status::failure(sqlite3_errmsg(db_));
    s.bind(1, now).bind(2, dead_after_.count() * 1000).bind(3, sink).bind(4, id);
    s.bind(5, prefix_).bind(6, prefix_dead_after_.count() * 1000);
    if (s.step() != SQLITE_DONE) return Status::failure(s.error());
    changed += sqlite3_changes(db_);
    return Status::success();
  };
  if (ids.empty()) {
    if (auto r = run(""); !r) return R::failure(r.error());
  } else {
    for (const auto& id : ids)
      if (auto r = run(id); !r) return R::failure(r.error());
  }
  return changed;
}

Result<int> Outbox::prune(std::chrono::seconds age) {
  using R = Result<int>;
  std::lock_guard lock(mu_);
  Stmt s(db_, "DELETE FROM delivery WHERE state = 1 AND done_ms < ?1");
  if (!s.ok()) return R::failure(sqlite3_errmsg(db_));
  s.bind(1, now_ms() - age.count() * 1000);
  if (s.step() != SQLITE_DONE) return R::failure(s.error());
  const int removed = sqlite3_changes(db_);
  if (auto r = exec("DELETE FROM event WHERE id NOT IN (SELECT event FROM delivery)"); !r)
    return R::failure(r.error());
  return removed;
}

}  // namespace zest::events
