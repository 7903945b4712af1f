// Issue 17.5: Dovecot-style SQL queries with bound parameters, and users
// from a real SQLite database (PostgreSQL: tests/integration/users).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "store/user_paths.hpp"
#include "userdb/sql_query.hpp"
#include "userdb/sql_source.hpp"

namespace zest::userdb {
namespace {
namespace fs = std::filesystem;

TEST(SqlQuery, PlaceholdersBecomeParameters) {
  auto q = bind_placeholders("SELECT password FROM users WHERE userid = '%u' AND domain = %d",
                             Dialect::Pgsql);
  ASSERT_TRUE(q) << q.error();
  EXPECT_EQ(q->sql, "SELECT password FROM users WHERE userid = $1 AND domain = $2");
  ASSERT_EQ(q->params.size(), 2u);
  EXPECT_EQ(q->params[0].var, 'u');
  EXPECT_EQ(q->params[1].var, 'd');
  auto s = bind_placeholders("SELECT home FROM u WHERE name = '%Ln' AND dom = '%{domain}'",
                             Dialect::Sqlite);
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->sql, "SELECT home FROM u WHERE name = ?1 AND dom = ?2");
  EXPECT_TRUE(s->params[0].lower);
  const auto values = parameter_values(*s, "Alice@Example.org");
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0], "alice");
  EXPECT_EQ(values[1], "Example.org");
  // Literals are copied; '' and %% survive; "identifiers" too.
  auto lit =
      bind_placeholders("SELECT 'it''s 100%%' AS \"%x\" FROM t WHERE a LIKE 'x%%'", Dialect::Pgsql);
  ASSERT_TRUE(lit) << lit.error();
  EXPECT_EQ(lit->sql, "SELECT 'it''s 100%' AS \"%x\" FROM t WHERE a LIKE 'x%'");
  EXPECT_TRUE(lit->params.empty());
}

TEST(SqlQuery, RefusesWhatWouldPasteTheName) {
  auto inside = bind_placeholders("SELECT 1 FROM u WHERE a = '%n@%d'", Dialect::Pgsql);
  ASSERT_FALSE(inside);
  EXPECT_NE(inside.error().find("inside a longer string literal"), std::string::npos);
  EXPECT_FALSE(bind_placeholders("SELECT 1 WHERE a = %x", Dialect::Pgsql));
  EXPECT_FALSE(bind_placeholders("SELECT 'open", Dialect::Pgsql));
}

class SqliteUsers : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("zest-sqlusers-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    db = (dir / "users.db").string();
    fs::remove(db);
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    const char* sql =
        "CREATE TABLE users (userid TEXT, domain TEXT, password TEXT, home TEXT, "
        "maildir TEXT, quota INTEGER);"
        "INSERT INTO users VALUES ('alice', 'example.org', '{PLAIN}secret', "
        "'/var/vmail/example.org/alice', 'maildir:~/Mail', 1073741824);"
        "INSERT INTO users VALUES ('bob', 'example.org', 'plainpw', NULL, NULL, NULL);"
        "INSERT INTO users VALUES ('x''; drop table users; --', 'example.org', 'p', NULL, NULL, "
        "NULL);";
    ASSERT_EQ(sqlite3_exec(raw, sql, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
  }
  void TearDown() override { fs::remove_all(dir); }
  SqlSettings settings() const {
    SqlSettings s;
    s.driver = "sqlite";
    s.connect = db;
    s.password_query = "SELECT password FROM users WHERE userid = '%n' AND domain = '%d'";
    s.user_query =
        "SELECT home, maildir AS mail, '*:bytes=' || quota AS quota_rule FROM users "
        "WHERE userid = '%n' AND domain = '%d'";
    s.iterate_query = "SELECT userid AS username, domain FROM users";
    s.default_pass_scheme = "PLAIN";
    return s;
  }
  fs::path dir;
  std::string db;
};

TEST_F(SqliteUsers, PasswordHomeMailQuota) {
  auto src = make_sql_user_source(settings());
  ASSERT_TRUE(src) << src.error();
  auto a = (*src)->find("Alice@Example.org");
  ASSERT_TRUE(a) << a.error();
  ASSERT_TRUE(a.value());
  EXPECT_EQ(a.value()->name, "alice@example.org");
  EXPECT_EQ(a.value()->password, "{PLAIN}secret");
  EXPECT_EQ(a.value()->home, "/var/vmail/example.org/alice");
  EXPECT_EQ(a.value()->mail, "maildir:~/Mail");
  EXPECT_EQ(a.value()->quota_rule, "*:bytes=1073741824");
  auto place = store::resolve_user(*a.value(), store::PathTemplates{});
  ASSERT_TRUE(place) << place.error();
  EXPECT_EQ(place->where.maildir(), "/var/vmail/example.org/alice/Mail");
  EXPECT_EQ(place->quota_storage, 1073741824u);
  // No scheme: default_pass_scheme; no home: the templates decide.
  auto b = (*src)->find("bob@example.org");
  ASSERT_TRUE(b && b.value());
  EXPECT_EQ(b.value()->password, "{PLAIN}plainpw");
  EXPECT_EQ(b.value()->home, "");
  EXPECT_TRUE(store::verify_password(b.value()->password, "plainpw"));
  auto none = (*src)->find("carol@example.org");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none.value());
  // A name full of SQL is only ever a value.
  auto evil = (*src)->find("x'; DROP TABLE users; --@example.org");
  ASSERT_TRUE(evil) << evil.error();
  ASSERT_TRUE(evil.value());
  auto all = (*src)->all();
  ASSERT_TRUE(all) << all.error();
  EXPECT_EQ(all->size(), 3u);
}

TEST_F(SqliteUsers, UnreadableDatabaseIsATemporaryFailure) {
  auto s = settings();
  s.connect = (dir / "missing.db").string();
  auto src = make_sql_user_source(s);
  ASSERT_TRUE(src);
  auto r = store::lookup_recipient(**src, store::PathTemplates{}, "alice@example.org", "+");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().temporary);
  EXPECT_NE(r.error().message.find("missing.db"), std::string::npos) << r.error().message;
}

TEST(SqlSource, BadQueriesAreRefusedAtSetUp) {
  SqlSettings s;
  s.driver = "sqlite";
  s.connect = "/nonexistent";
  s.user_query = "SELECT home FROM users WHERE email = '%n@%d'";
  auto src = make_sql_user_source(s);
  ASSERT_FALSE(src);
  EXPECT_NE(src.error().find("user_query"), std::string::npos);
  s.user_query = "";
  s.driver = "mysql";
  EXPECT_FALSE(make_sql_user_source(s));
}

TEST(SqlSource, PostgresUnreachableIsATemporaryFailure) {
  SqlSettings s;
  s.driver = "pgsql";
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  s.connect = "host=127.0.0.1 port=1 dbname=mail user=zest connect_timeout=3";
  s.user_query = "SELECT home FROM users WHERE userid = '%u'";
  auto src = make_sql_user_source(s);
  ASSERT_TRUE(src) << src.error();
  auto r = store::lookup_recipient(**src, store::PathTemplates{}, "alice@example.org", "+");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().temporary);
  EXPECT_NE(r.error().message.find("PostgreSQL"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace zest::userdb
