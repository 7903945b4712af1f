// Issue 17.5/17.6: passwd-file extra fields, path templates, names that
// would leave their directory, the active link outside the home, .svbin.
#include <gtest/gtest.h>

#include <fstream>

#include "interp/registry.hpp"
#include "store/script_cache.hpp"
#include "store/script_store.hpp"
#include "store/user_paths.hpp"
#include "store/user_source.hpp"
#include "tmp_dir.hpp"

namespace zest::store {
namespace {
namespace fs = std::filesystem;

TEST(UserFields, PasswdExtraFields) {
  auto parsed = parse_passwd(
      "alice@example.org:{PLAIN}pw:1000:1000:::: userdb_home=/var/vmail/example.org/alice "
      "userdb_mail=maildir:~/Mail:LAYOUT=fs userdb_quota_rule=*:storage=1G nopassword=y\n"
      "bob:{PLAIN}pw::::/home/bob::userdb_home=/ignored quota_rule=*:storage=500M\n",
      "passwd");
  ASSERT_TRUE(parsed) << parsed.error();
  const UserRecord a = record_of((*parsed)[0]);
  EXPECT_EQ(a.home, "/var/vmail/example.org/alice");
  EXPECT_EQ(a.mail, "maildir:~/Mail:LAYOUT=fs");
  EXPECT_EQ(a.quota_rule, "*:storage=1G");
  const UserRecord b = record_of((*parsed)[1]);
  EXPECT_EQ(b.home, "/home/bob");  // the home field wins
  EXPECT_EQ(b.quota_rule, "*:storage=500M");

  auto place = resolve_user(a, PathTemplates{});
  ASSERT_TRUE(place) << place.error();
  EXPECT_EQ(place->where.home, "/var/vmail/example.org/alice");
  EXPECT_EQ(place->where.maildir(), "/var/vmail/example.org/alice/Mail");
  EXPECT_EQ(place->where.script_dir(), "/var/vmail/example.org/alice/sieve");
  EXPECT_EQ(place->where.active_link(), "/var/vmail/example.org/alice/.dovecot.sieve");
  EXPECT_EQ(place->quota_storage, 1ULL << 30);
}

TEST(UserFields, QuotaRules) {
  EXPECT_EQ(*parse_quota_rule("*:storage=1G"), 1ULL << 30);
  EXPECT_EQ(*parse_quota_rule("*:storage=100"), 100u * 1024);  // KiB, as in Dovecot
  EXPECT_EQ(*parse_quota_rule("*:bytes=5000"), 5000u);
  EXPECT_EQ(*parse_quota_rule("*:storage=2M"), 2u << 20);
  EXPECT_EQ(*parse_quota_rule("*:ignore"), 0u);
  EXPECT_FALSE(parse_quota_rule("*:storage=lots"));
  EXPECT_FALSE(parse_quota_rule("*:storage=10%"));
  EXPECT_FALSE(parse_quota_rule("*:messages=10"));
  EXPECT_FALSE(parse_quota_rule("Trash:storage=1G"));
  EXPECT_FALSE(parse_quota_rule("1G"));
}

TEST(UserPaths, TemplatesPlaceAnExistingDovecotTree) {
  PathTemplates t;
  t.home = "/var/vmail/%d/%n";
  UserRecord u;
  u.name = "Alice@Example.org";
  auto p = resolve_user(u, t);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->where.home, "/var/vmail/Example.org/Alice");
  EXPECT_EQ(p->where.maildir(), "/var/vmail/Example.org/Alice/Maildir");
  t.home = "/var/vmail/%Ld/%Ln";
  t.mail = "maildir:/srv/mail/%d/%n";
  t.sieve_dir = "%h/sieve-scripts";
  t.sieve_active = "~/active.sieve";
  p = resolve_user(u, t);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->where.home, "/var/vmail/example.org/alice");
  EXPECT_EQ(p->where.maildir(), "/srv/mail/Example.org/Alice");
  EXPECT_EQ(p->where.script_dir(), "/var/vmail/example.org/alice/sieve-scripts");
  EXPECT_EQ(p->where.active_link(), "/var/vmail/example.org/alice/active.sieve");
  // Without a template: <data_dir>/home/%u.
  PathTemplates d;
  d.data_dir = "/data";
  p = resolve_user(u, d);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->where.home, "/data/home/Alice@Example.org");
  EXPECT_EQ(p->where.maildir(), "/data/home/Alice@Example.org/Maildir");
  // Long names and %%.
  auto e = expand_template("/m/%{domain}/%{username}/100%%", "a@b", "/h");
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, "/m/b/a/100%");
}

TEST(UserPaths, BadTemplatesSayWhy) {
  PathTemplates t;
  t.home = "/var/vmail/%x/%n";
  UserRecord u;
  u.name = "a@b";
  auto p = resolve_user(u, t);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().find("unknown variable %x"), std::string::npos) << p.error();
  t.home = "/var/vmail/%h";
  p = resolve_user(u, t);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().find("%h"), std::string::npos) << p.error();
  t = PathTemplates{};
  t.mail = "mbox:~/mail";
  p = resolve_user(u, t);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().find("only maildir"), std::string::npos) << p.error();
}

TEST(UserPaths, NamesThatWouldLeaveTheirDirectoryAreRefused) {
  PathTemplates t;
  t.home = "/var/vmail/%d/%n";
  for (const char* bad : {"../etc@example.org", "a/b@example.org", "alice@..", "..",
                          "x@example.org/../../etc", "a@.", ".", "a\\b", "a\nb", ""}) {
    UserRecord u;
    u.name = bad;
    auto p = resolve_user(u, t);
    ASSERT_FALSE(p) << bad;
    EXPECT_NE(p.error().find("refused"), std::string::npos) << p.error();
  }
  // And before any database sees them.
  struct Counting final : UserSource {
    int calls = 0;
    Result<std::optional<UserRecord>> find(std::string_view) override {
      ++calls;
      return std::optional<UserRecord>();
    }
    Result<std::vector<UserRecord>> all() override { return std::vector<UserRecord>{}; }
    std::string describe() const override { return "counting"; }
  } src;
  auto r = lookup_recipient(src, t, "../../etc/passwd@example.org", "+");
  ASSERT_FALSE(r);
  EXPECT_FALSE(r.error().temporary);
  EXPECT_NE(r.error().message.find(".."), std::string::npos);
  EXPECT_EQ(src.calls, 0);
  auto ok = lookup_recipient(src, t, "good+tag@example.org", "+");
  ASSERT_TRUE(ok);
  EXPECT_FALSE(ok.value());
  EXPECT_EQ(src.calls, 2);  // good@example.org, then good
}

TEST(UserPaths, DatabaseFailureIsTemporary) {
  struct Down final : UserSource {
    Result<std::optional<UserRecord>> find(std::string_view) override {
      return Result<std::optional<UserRecord>>::failure("connection refused");
    }
    Result<std::vector<UserRecord>> all() override {
      return Result<std::vector<UserRecord>>::failure("connection refused");
    }
    std::string describe() const override { return "down"; }
  } src;
  auto r = lookup_recipient(src, PathTemplates{}, "alice@example.org", "+");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().temporary);
}

TEST(UserPaths, ScriptsAndActiveLinkWhereTheTemplatesSay) {
  TmpDir tmp;
  SieveHome where{tmp.p / "home"};
  where.sieve_dir = tmp.p / "scripts" / "alice";
  where.active = tmp.p / "links" / "alice.sieve";
  where.mail_dir = tmp.p / "mail" / "alice";
  FsScriptStore store(where, {});
  ASSERT_TRUE(store.put("main", "keep;\n", {}));
  ASSERT_TRUE(store.set_active("main"));
  EXPECT_TRUE(fs::exists(tmp.p / "scripts" / "alice" / "main.sieve"));
  ASSERT_TRUE(fs::is_symlink(where.active));
  auto active = store.active();
  ASSERT_TRUE(active && active->has_value());
  EXPECT_EQ(**active, "main");
  ASSERT_TRUE(where.active_script());
  EXPECT_EQ(where.active_script()->filename(), "main.sieve");
}

TEST(UserPaths, SvbinBesideAScriptIsNotedOnceAndNotListed) {
  TmpDir tmp;
  SieveHome where{tmp.p};
  fs::create_directories(where.script_dir());
  std::ofstream(where.script_dir() / "main.sieve") << "keep;\n";
  std::ofstream(where.script_dir() / "main.svbin") << "\x01\x02binary";
  FsScriptStore store(where, {});
  auto list = store.list();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "main");
  interp::Registry registry;
  interp::EngineSettings settings;
  ScriptCache cache(registry, settings);
  auto first = cache.unseen_svbin(where.script_dir() / "main.sieve");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->filename(), "main.svbin");
  EXPECT_FALSE(cache.unseen_svbin(where.script_dir() / "main.sieve"));
  auto loaded = cache.get(where.script_dir() / "main.sieve");
  EXPECT_TRUE(loaded.program) << loaded.error;
}

}  // namespace
}  // namespace zest::store
