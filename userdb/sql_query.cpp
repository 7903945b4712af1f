#include "userdb/sql_query.hpp"

#include <optional>

#include "base/text.hpp"

namespace zest::userdb {
namespace {

struct Placeholder {
  char var = 0;  // 0: "%%"
  bool lower = false;
  std::size_t length = 0;
};

// The placeholder at query[i] == '%'; nullopt for an unknown variable.
std::optional<Placeholder> placeholder_at(std::string_view q, std::size_t i) {
  Placeholder p;
  std::size_t j = i + 1;
  if (j < q.size() && q[j] == '%') return Placeholder{0, false, 2};
  if (j < q.size() && q[j] == 'L') {
    p.lower = true;
    ++j;
  }
  if (j >= q.size()) return std::nullopt;
  if (q[j] == '{') {
    const std::size_t close = q.find('}', j);
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view name = q.substr(j + 1, close - j - 1);
    if (name == "user")
      p.var = 'u';
    else if (name == "username")
      p.var = 'n';
    else if (name == "domain")
      p.var = 'd';
    else
      return std::nullopt;
    p.length = close + 1 - i;
    return p;
  }
  if (q[j] != 'u' && q[j] != 'n' && q[j] != 'd') return std::nullopt;
  p.var = q[j];
  p.length = j + 1 - i;
  return p;
}

}  // namespace

Result<BoundQuery> bind_placeholders(std::string_view q, Dialect dialect) {
  using R = Result<BoundQuery>;
  auto bad = [&](std::size_t at, std::string_view why) {
    return R::failure("query \"" + std::string(q) + "\", at offset " + std::to_string(at) + ": " +
                      std::string(why));
  };
  BoundQuery out;
  auto add_param = [&](const Placeholder& p) {
    out.params.push_back({p.var, p.lower});
    const std::string n = std::to_string(out.params.size());
    out.sql += (dialect == Dialect::Pgsql ? "$" : "?") + n;
  };
  std::size_t i = 0;
  while (i < q.size()) {
    const char c = q[i];
    if (c == '\'') {
      // '%u' alone is the parameter itself (Dovecot's usual quoting).
      if (i + 1 < q.size() && q[i + 1] == '%') {
        const auto p = placeholder_at(q, i + 1);
        if (p && p->var && i + 1 + p->length < q.size() && q[i + 1 + p->length] == '\'') {
          add_param(*p);
          i += p->length + 2;
          continue;
        }
      }
      // Any other literal is copied; a placeholder inside is refused.
      std::size_t j = i + 1;
      std::string literal = "'";
      while (true) {
        if (j >= q.size()) return bad(i, "unterminated string literal");
        if (q[j] == '\'') {
          if (j + 1 < q.size() && q[j + 1] == '\'') {
            literal += "''";
            j += 2;
            continue;
          }
          literal += '\'';
          ++j;
          break;
        }
        if (q[j] == '%') {
          const auto p = placeholder_at(q, j);
          if (p && !p->var) {
            literal += '%';
            j += 2;
            continue;
          }
          if (p)
            return bad(j,
                       "placeholder inside a longer string literal (write '%u' alone, or build "
                       "the string in SQL from %n and %d)");
        }
        literal += q[j++];
      }
      out.sql += literal;
      i = j;
      continue;
    }
    if (c == '"') {  // a quoted identifier: copied
      const std::size_t close = q.find('"', i + 1);
      if (close == std::string_view::npos) return bad(i, "unterminated quoted identifier");
      out.sql += q.substr(i, close + 1 - i);
      i = close + 1;
      continue;
    }
    if (c == '%') {
      const auto p = placeholder_at(q, i);
      if (!p) return bad(i, "unknown variable (known: %u, %n, %d, %%)");
      if (!p->var)
        out.sql += '%';
      else
        add_param(*p);
      i += p->length;
      continue;
    }
    out.sql += c;
    ++i;
  }
  return out;
}

std::vector<std::string> parameter_values(const BoundQuery& q, std::string_view user) {
  const std::size_t at = user.rfind('@');
  const std::string_view local = user.substr(0, at);
  const std::string_view domain = at == std::string_view::npos ? "" : user.substr(at + 1);
  std::vector<std::string> out;
  for (const auto& p : q.params) {
    const std::string_view v = p.var == 'u' ? user : p.var == 'n' ? local : domain;
    out.push_back(p.lower ? base::to_lower(v) : std::string(v));
  }
  return out;
}

}  // namespace zest::userdb
