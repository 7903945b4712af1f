// Dovecot-style SQL queries made safe: the %u / %n / %d placeholders (alone
// or as '%u') become bound parameters ($1 for PostgreSQL, ?1 for SQLite),
// so a user name never becomes SQL text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace zest::userdb {

enum class Dialect { Pgsql, Sqlite };

struct BoundQuery {
  struct Param {
    char var = 'u';  // 'u' user, 'n' local part, 'd' domain
    bool lower = false;
  };
  std::string sql;            // with $N / ?N in place of the placeholders
  std::vector<Param> params;  // parameter N is params[N-1]
};

// A failure names the query and what is wrong: an unknown variable, a
// placeholder inside a longer string literal ('%n@%d': use %u, or
// concatenate in SQL), an unterminated literal.
Result<BoundQuery> bind_placeholders(std::string_view query, Dialect dialect);

// The values of the parameters for one user name.
std::vector<std::string> parameter_values(const BoundQuery& q, std::string_view user);

}  // namespace zest::userdb
