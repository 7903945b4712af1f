#include "userdb/sql_source.hpp"

#include "base/text.hpp"

namespace zest::userdb {
namespace {

std::string column(const SqlRow& row, std::initializer_list<std::string_view> names) {
  for (const auto n : names) {
    const auto it = row.find(std::string(n));
    if (it != row.end() && it->second) return *it->second;
  }
  return {};
}

void userdb_fields(const SqlRow& row, store::UserRecord& r, bool prefixed_only) {
  auto pick = [&](std::string_view name) {
    const std::string prefixed = "userdb_" + std::string(name);
    return prefixed_only ? column(row, {prefixed}) : column(row, {name, prefixed});
  };
  if (auto v = pick("home"); !v.empty()) r.home = v;
  if (auto v = pick("mail"); !v.empty()) r.mail = v;
  if (auto v = pick("quota_rule"); !v.empty()) r.quota_rule = v;
}

class SqlUserSource final : public store::UserSource {
 public:
  SqlUserSource(SqlSettings s, std::unique_ptr<SqlConnection> db,
                std::optional<BoundQuery> password, std::optional<BoundQuery> user,
                std::optional<BoundQuery> iterate)
      : settings_(std::move(s)),
        db_(std::move(db)),
        password_(std::move(password)),
        user_(std::move(user)),
        iterate_(std::move(iterate)) {}

  Result<std::optional<store::UserRecord>> find(std::string_view raw) override {
    using R = Result<std::optional<store::UserRecord>>;
    // Dovecot's default auth_username_format %Lu, as the passwd-file folds.
    const std::string name = store::user_key(raw);
    store::UserRecord r;
    r.name = name;
    bool exists = false;
    if (user_) {
      auto rows = db_->run(*user_, parameter_values(*user_, name));
      if (!rows) return R::failure(describe() + ": user_query: " + rows.error());
      if (rows->empty()) return std::optional<store::UserRecord>();
      userdb_fields(rows->front(), r, false);
      exists = true;
    }
    if (password_) {
      auto rows = db_->run(*password_, parameter_values(*password_, name));
      if (!rows) return R::failure(describe() + ": password_query: " + rows.error());
      if (!rows->empty()) {
        const SqlRow& row = rows->front();
        std::string pw = column(row, {"password"});
        if (!pw.empty() && pw.front() != '{') pw = "{" + settings_.default_pass_scheme + "}" + pw;
        r.password = std::move(pw);
        // Dovecot's prefetch: userdb_* columns of the password query.
        if (!user_) userdb_fields(row, r, true);
        exists = true;
      }
    }
    if (!exists) return std::optional<store::UserRecord>();
    return std::optional<store::UserRecord>(std::move(r));
  }

  Result<std::vector<store::UserRecord>> all() override {
    using R = Result<std::vector<store::UserRecord>>;
    if (!iterate_) return R::failure(describe() + ": no iterate_query: users cannot be listed");
    auto rows = db_->run(*iterate_, {});
    if (!rows) return R::failure(describe() + ": iterate_query: " + rows.error());
    std::vector<store::UserRecord> out;
    for (const auto& row : rows.value()) {
      std::string name = column(row, {"user"});
      if (name.empty()) {
        name = column(row, {"username"});
        const std::string domain = column(row, {"domain"});
        if (!name.empty() && !domain.empty()) name += "@" + domain;
      }
      if (name.empty()) continue;
      auto found = find(name);
      if (!found) return R::failure(found.error());
      if (found.value()) out.push_back(std::move(*found.value()));
    }
    return out;
  }

  std::string describe() const override { return "sql " + settings_.driver; }

 private:
  SqlSettings settings_;
  std::unique_ptr<SqlConnection> db_;
  std::optional<BoundQuery> password_, user_, iterate_;
};

}  // namespace

Result<std::unique_ptr<store::UserSource>> make_sql_user_source(const SqlSettings& s) {
  using R = Result<std::unique_ptr<store::UserSource>>;
  Dialect d;
  if (s.driver == "pgsql")
    d = Dialect::Pgsql;
  else if (s.driver == "sqlite")
    d = Dialect::Sqlite;
  else
    return R::failure("unknown SQL driver '" + s.driver + "' (pgsql or sqlite)");
  std::optional<BoundQuery> queries[3];
  const std::pair<const char*, const std::string*> texts[3] = {
      {"password_query", &s.password_query},
      {"user_query", &s.user_query},
      {"iterate_query", &s.iterate_query}};
  for (int i = 0; i < 3; ++i) {
    if (texts[i].second->empty()) continue;
    auto b = bind_placeholders(*texts[i].second, d);
    if (!b) return R::failure(std::string(texts[i].first) + ": " + b.error());
    queries[i] = std::move(b.value());
  }
  if (queries[2] && !queries[2]->params.empty())
    return R::failure("iterate_query: it cannot use %u, %n or %d");
  auto db =
      d == Dialect::Pgsql ? make_pgsql_connection(s.connect) : make_sqlite_connection(s.connect);
  return std::unique_ptr<store::UserSource>(std::make_unique<SqlUserSource>(
      s, std::move(db), std::move(queries[0]), std::move(queries[1]), std::move(queries[2])));
}

}  // namespace zest::userdb
