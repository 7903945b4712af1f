// PostgreSQL through libpq: one connection, opened on first use, reset when
// it broke; queries with PQexecParams (text parameters, never spliced).
#include <libpq-fe.h>

#include <mutex>

#include "userdb/sql_source.hpp"

namespace zest::userdb {
namespace {

struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgConn = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

std::string trimmed(const char* message) {
  std::string m = message ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  for (auto& c : m)
    if (c == '\n') c = ' ';
  return m;
}

class PgsqlConnection final : public SqlConnection {
 public:
  explicit PgsqlConnection(std::string conninfo) : conninfo_(std::move(conninfo)) {
    // A server that does not answer must not hold a delivery for ever.
    if (conninfo_.find("connect_timeout") == std::string::npos &&
        !conninfo_.starts_with("postgres"))
      conninfo_ += " connect_timeout=10";
  }

  Result<std::vector<SqlRow>> run(const BoundQuery& q,
                                  const std::vector<std::string>& values) override {
    std::lock_guard lock(mu_);
    // One retry on a fresh connection: the server may have restarted.
    for (int attempt = 0;; ++attempt) {
      if (auto c = connect(); !c) return Result<std::vector<SqlRow>>::failure(c.error());
      auto r = exec(q, values);
      if (r || attempt > 0 || PQstatus(conn_.get()) == CONNECTION_OK) return r;
      conn_.reset();
    }
  }

 private:
  Status connect() {
    if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK) return Status::success();
    conn_.reset(PQconnectdb(conninfo_.c_str()));
    if (!conn_) return Status::failure("PostgreSQL: out of memory");
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
      std::string e = "PostgreSQL: cannot connect: " + trimmed(PQerrorMessage(conn_.get()));
      conn_.reset();
      return Status::failure(std::move(e));
    }
    return Status::success();
  }

  Result<std::vector<SqlRow>> exec(const BoundQuery& q, const std::vector<std::string>& values) {
    using R = Result<std::vector<SqlRow>>;
    std::vector<const char*> params;
    for (const auto& v : values) params.push_back(v.c_str());
    PgResult res(PQexecParams(conn_.get(), q.sql.c_str(), static_cast<int>(params.size()), nullptr,
                              params.data(), nullptr, nullptr, 0));
    if (!res) return R::failure("PostgreSQL: " + trimmed(PQerrorMessage(conn_.get())));
    if (PQresultStatus(res.get()) != PGRES_TUPLES_OK)
      return R::failure("PostgreSQL: " + trimmed(PQresultErrorMessage(res.get())));
    std::vector<SqlRow> rows;
    const int n = PQntuples(res.get()), cols = PQnfields(res.get());
    for (int i = 0; i < n; ++i) {
      SqlRow row;
      for (int c = 0; c < cols; ++c) {
        std::string name = PQfname(res.get(), c);
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (PQgetisnull(res.get(), i, c))
          row[name] = std::nullopt;
        else
          row[name] = std::string(PQgetvalue(res.get(), i, c),
                                  static_cast<std::size_t>(PQgetlength(res.get(), i, c)));
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

  std::string conninfo_;
  std::mutex mu_;
  PgConn conn_;
};

}  // namespace

std::unique_ptr<SqlConnection> make_pgsql_connection(std::string conninfo) {
  return std::make_unique<PgsqlConnection>(std::move(conninfo));
}

}  // namespace zest::userdb
