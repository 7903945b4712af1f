// Users from SQL (Dovecot's passdb/userdb sql): PostgreSQL through libpq or
// SQLite, with password_query, user_query and iterate_query. Connections
// are opened on first use and again after a failure; a database that does
// not answer is a failed lookup (temporary), never an unknown user.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "store/user_source.hpp"
#include "userdb/sql_query.hpp"

namespace zest::userdb {

struct SqlSettings {
  std::string driver;  // "pgsql" or "sqlite"
  std::string connect;
  std::string password_query, user_query, iterate_query;
  std::string default_pass_scheme = "CRYPT";
};

// A row: column names lower-cased; NULL is nullopt.
using SqlRow = std::map<std::string, std::optional<std::string>>;

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  // Runs `q` with `values` bound as text parameters. Thread-safe.
  virtual Result<std::vector<SqlRow>> run(const BoundQuery& q,
                                          const std::vector<std::string>& values) = 0;
};

std::unique_ptr<SqlConnection> make_pgsql_connection(std::string conninfo);
std::unique_ptr<SqlConnection> make_sqlite_connection(std::string path);

// Fails on a driver it does not know or a query bind_placeholders refuses.
Result<std::unique_ptr<store::UserSource>> make_sql_user_source(const SqlSettings& settings);

}  // namespace zest::userdb
