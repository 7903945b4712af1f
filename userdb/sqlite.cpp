// SQLite: the database file opened read-only on first use; statements
// prepared per query with ?N parameters bound as text.
#include <sqlite3.h>

#include <mutex>

#include "userdb/sql_source.hpp"

namespace zest::userdb {
namespace {

struct DbDeleter {
  void operator()(sqlite3* d) const { sqlite3_close(d); }
};
struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

class SqliteConnection final : public SqlConnection {
 public:
  explicit SqliteConnection(std::string path) : path_(std::move(path)) {}

  Result<std::vector<SqlRow>> run(const BoundQuery& q,
                                  const std::vector<std::string>& values) override {
    using R = Result<std::vector<SqlRow>>;
    std::lock_guard lock(mu_);
    if (!db_) {
      sqlite3* raw = nullptr;
      const int rc = sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
      std::unique_ptr<sqlite3, DbDeleter> db(raw);
      if (rc != SQLITE_OK)
        return R::failure("SQLite: " + path_ + ": " +
                          (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
      sqlite3_busy_timeout(db.get(), 5000);
      db_ = std::move(db);
    }
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), q.sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
      std::string e = "SQLite: " + path_ + ": " + sqlite3_errmsg(db_.get());
      db_.reset();  // opened again next time (the file may be replaced)
      return R::failure(std::move(e));
    }
    std::unique_ptr<sqlite3_stmt, StmtDeleter> stmt(raw);
    for (std::size_t i = 0; i < values.size(); ++i)
      sqlite3_bind_text(stmt.get(), static_cast<int>(i + 1), values[i].data(),
                        static_cast<int>(values[i].size()), SQLITE_TRANSIENT);
    std::vector<SqlRow> rows;
    while (true) {
      const int rc = sqlite3_step(stmt.get());
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW)
        return R::failure("SQLite: " + path_ + ": " + sqlite3_errmsg(db_.get()));
      SqlRow row;
      const int cols = sqlite3_column_count(stmt.get());
      for (int c = 0; c < cols; ++c) {
        std::string name = sqlite3_column_name(stmt.get(), c);
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (sqlite3_column_type(stmt.get(), c) == SQLITE_NULL) {
          row[name] = std::nullopt;
        } else {
          const auto* text = sqlite3_column_text(stmt.get(), c);
          row[name] = std::string(reinterpret_cast<const char*>(text),
                                  static_cast<std::size_t>(sqlite3_column_bytes(stmt.get(), c)));
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

 private:
  std::string path_;
  std::mutex mu_;
  std::unique_ptr<sqlite3, DbDeleter> db_;
};

}  // namespace

std::unique_ptr<SqlConnection> make_sqlite_connection(std::string path) {
  return std::make_unique<SqliteConnection>(std::move(path));
}

}  // namespace zest::userdb
