// The configuration file as zestd, zest and sieve-test read it: nested
// [notify.*] tables from config_keys.def, validation, and what the notify
// side hands to the transports and the engine.
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/notify_setup.hpp"
#include "config/server_config.hpp"
#include "transport/redis_client.hpp"

namespace zest::config {
namespace {

TEST(ServerConfig, NotifyTablesAreRead) {
  auto c = parse_server_config(R"(
postmaster_address = "pm@example.org"
[submission]
url = "smtps://mail.example.org:465"
user = "zest"
password = "pw"
[notify]
max_per_run = 5
max_per_user_hour = 7
[notify.xmpp]
jid = "notify@example.org"
password = "xp"
host = "127.0.0.1"
port = 5223
type = "headline"
[notify.http]
allow = ["127.0.0.1/32", "10.0.0.0/8"]
allow_http = true
secret = "whsec_c2lldmUtdGVzdC1zZWNyZXQtMDEyMzQ1Njc4OWFiY2Q="
timeout = 4
max_attempts = 2
retry_delay_ms = 100
)",
                               "t.toml");
  ASSERT_TRUE(c) << c.error();
  const auto n = config::notify_config(*c);
  EXPECT_EQ(n.submission.url, "smtps://mail.example.org:465");
  EXPECT_EQ(n.submission.username, "zest");
  EXPECT_EQ(n.limits.max_per_run, 5u);
  EXPECT_EQ(n.limits.max_per_user_hour, 7u);
  EXPECT_EQ(n.xmpp.jid, "notify@example.org");
  EXPECT_EQ(n.xmpp.port, 5223);
  EXPECT_EQ(n.policy.xmpp_type, "headline");
  EXPECT_EQ(n.policy.postmaster, "pm@example.org");
  EXPECT_TRUE(n.policy.allow_http);
  EXPECT_EQ(n.http.allow.size(), 2u);
  EXPECT_EQ(n.http.timeout_seconds, 4);
  EXPECT_EQ(n.http.max_attempts, 2);
  EXPECT_EQ(n.http.retry_delay_ms, 100);
  const auto s = config::engine_settings(*c);
  EXPECT_EQ(s.value("notify_max_per_run"), "5");
  EXPECT_EQ(s.value("notify_http_allow_http"), "yes");
  EXPECT_EQ(s.value("notify_xmpp_type"), "headline");
}

TEST(ServerConfig, NotifyDefaults) {
  auto c = parse_server_config("", "empty.toml");
  ASSERT_TRUE(c) << c.error();
  const auto n = config::notify_config(*c);
  EXPECT_EQ(n.limits.max_per_run, 10u);
  EXPECT_EQ(n.limits.max_per_user_hour, 30u);
  EXPECT_FALSE(n.policy.allow_http);
  EXPECT_EQ(n.policy.xmpp_type, "normal");
  EXPECT_EQ(n.http.max_attempts, 3);
  EXPECT_EQ(config::engine_settings(*c).value("notify_http_allow_http"), "no");
}

// Files written before `user` existed keep working.
TEST(ServerConfig, SubmissionUsernameStaysAnAliasOfUser) {
  auto old = parse_server_config("[submission]\nusername = \"a\"\n", "t.toml");
  ASSERT_TRUE(old) << old.error();
  EXPECT_EQ(config::notify_config(old.value()).submission.username, "a");
  auto both = parse_server_config("[submission]\nusername = \"a\"\nuser = \"b\"\n", "t.toml");
  ASSERT_TRUE(both);
  EXPECT_EQ(config::notify_config(both.value()).submission.username, "b");
}

TEST(ServerConfig, SubmissionTlsAndSendmailSettings) {
  auto d = parse_server_config("", "t.toml");
  ASSERT_TRUE(d) << d.error();
  const auto dn = config::notify_config(*d);
  EXPECT_TRUE(dn.submission.tls_verify);
  EXPECT_EQ(dn.submission.starttls, transport::StartTls::Opportunistic);
  EXPECT_EQ(dn.submission.ca_file, "");
  EXPECT_EQ(dn.submission.sendmail_path, "");
  auto c = parse_server_config(R"([submission]
starttls = "required"
tls_verify = false
ca_file = "/etc/ssl/certs/ssl-cert-snakeoil.pem"
sendmail_path = "/usr/sbin/sendmail"
)",
                               "t.toml");
  ASSERT_TRUE(c) << c.error();
  const auto n = config::notify_config(*c);
  EXPECT_FALSE(n.submission.tls_verify);
  EXPECT_EQ(n.submission.starttls, transport::StartTls::Required);
  EXPECT_EQ(n.submission.ca_file, "/etc/ssl/certs/ssl-cert-snakeoil.pem");
  EXPECT_EQ(n.submission.sendmail_path, "/usr/sbin/sendmail");
  auto none = parse_server_config("[submission]\nstarttls = \"none\"\n", "t.toml");
  ASSERT_TRUE(none) << none.error();
  EXPECT_EQ(config::notify_config(*none).submission.starttls, transport::StartTls::None);
  auto bad = parse_server_config("[submission]\nstarttls = \"always\"\n", "t.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(
      bad.error().find("[submission] starttls must be \"required\", \"opportunistic\" or \"none\""),
      std::string::npos)
      << bad.error();
}

TEST(ServerConfig, NestedTablesAreCheckedLikeTheOthers) {
  auto error_of = [](std::string_view text) {
    auto c = parse_server_config(text, "t.toml");
    return c ? std::string() : c.error();
  };
  EXPECT_NE(error_of("[notify.http]\nfrob = 1\n").find("unknown key [notify.http] frob"),
            std::string::npos);
  EXPECT_NE(error_of("[notify.irc]\nx = 1\n").find("unknown table [notify.irc]"),
            std::string::npos);
  EXPECT_NE(error_of("[submission]\nusr = \"a\"\n").find("unknown key [submission] usr"),
            std::string::npos);
  EXPECT_NE(error_of("[notify.xmpp]\nport = \"x\"\n").find("t.toml:2:8: error: [notify.xmpp] port"),
            std::string::npos);
  EXPECT_NE(error_of("[notify.http]\nallow = [\"10.0.0.0/33\"]\n").find("not a CIDR range"),
            std::string::npos);
  EXPECT_NE(error_of("[notify.http]\nsecret = \"abc\"\n").find("whsec_<base64>"),
            std::string::npos);
  EXPECT_NE(error_of("[notify.xmpp]\ntype = \"chat\"\n").find("type must be"), std::string::npos);
  EXPECT_NE(error_of("[notify.http]\nmax_attempts = 0\n").find("max_attempts"), std::string::npos);
}

TEST(ServerConfig, StateBackendIsCheckedWithItsPlace) {
  auto error_of = [](std::string_view text) {
    auto c = parse_server_config(text, "t.toml");
    return c ? std::string() : c.error();
  };
  auto local = parse_server_config("", "t.toml");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->state_backend, "local");
  EXPECT_EQ(local->state_key_prefix, "zest:");
  EXPECT_EQ(local->state_timeout, 2);
  auto redis = parse_server_config(
      "[state]\nbackend = \"redis\"\nurl = \"redis://zest:pw@10.0.0.5:6380/1\"\n"
      "key_prefix = \"site1:\"\ntimeout = 5\n",
      "t.toml");
  ASSERT_TRUE(redis) << redis.error();
  EXPECT_EQ(redis->state_url, "redis://zest:pw@10.0.0.5:6380/1");
  EXPECT_EQ(redis->state_key_prefix, "site1:");
  EXPECT_EQ(error_of("[state]\nbackend = \"memcached\"\n"),
            "t.toml:2:11: error: [state] backend must be \"local\" or \"redis\"");
  EXPECT_EQ(error_of("[state]\nbackend = \"redis\"\n"),
            "t.toml:2:11: error: [state] backend \"redis\" needs [state] url");
  const std::string bad_url = error_of("[state]\nbackend = \"redis\"\nurl = \"http://x\"\n");
  EXPECT_EQ(bad_url.find("t.toml:3:7: error: [state] url: "), 0u) << bad_url;
  const std::string bad_tls_url =
      error_of("[state]\nbackend = \"redis\"\nurl = \"rediss://:secret@x:0\"\n");
  EXPECT_EQ(bad_tls_url.find("t.toml:3:7: error: [state] url: "), 0u) << bad_tls_url;
  EXPECT_EQ(bad_tls_url.find("secret"), std::string::npos);  // the password is not echoed
  // rediss://: ca_file and tls_verify reach the endpoint; a missing CA file
  // is refused at start, with its place.
  auto tls = parse_server_config(
      "[state]\nbackend = \"redis\"\nurl = \"rediss://zest:pw@10.0.0.5:6380\"\n"
      "ca_file = \"/etc/hostname\"\ntls_verify = false\n",
      "t.toml");
  ASSERT_TRUE(tls) << tls.error();
  auto endpoint = state_redis_endpoint(*tls);
  ASSERT_TRUE(endpoint);
  EXPECT_TRUE(endpoint->tls);
  EXPECT_EQ(endpoint->ca_file, "/etc/hostname");
  EXPECT_FALSE(endpoint->verify);
  EXPECT_EQ(error_of("[state]\nbackend = \"redis\"\nurl = \"rediss://h\"\n"
                     "ca_file = \"/nonexistent/ca.pem\"\n"),
            "t.toml:4:11: error: [state] ca_file: /nonexistent/ca.pem: no such file");
  EXPECT_NE(
      error_of("[state]\ntimeout = 0\n").find("t.toml:2:11: error: [state] timeout must be >= 1"),
      std::string::npos);
  EXPECT_NE(error_of("[state]\nfrob = 1\n").find("unknown key [state] frob"), std::string::npos);
}

// Found by the fuzzing campaign: a float where an integer belongs was cast
// to an integer (undefined for 4.2e63); now it is refused with its place.
TEST(ServerConfig, FloatIsNotAnInteger) {
  for (const char* text : {"[sieve]\nmax_actions = 2.5\n", "[sieve]\nmax_memory = 4.2e63\n",
                           "[sieve]\nze = 4.2e63\n", "[sieve]\nmax_cpu_time = 1e300\n"}) {
    auto engine = parse_engine_settings(text, "t.toml");
    ASSERT_FALSE(engine) << text;
    EXPECT_NE(engine.error().find("t.toml:2:"), std::string::npos) << engine.error();
  }
  auto server = parse_server_config("[lmtp]\nmax_message_size = 1e300\n", "t.toml");
  ASSERT_FALSE(server);
  EXPECT_NE(server.error().find("t.toml:2:"), std::string::npos) << server.error();
}

// [maildir] fsync_threads: 8 by default, 0 allowed (fsyncs in turn), at most 64.
TEST(ServerConfig, MaildirFsyncThreads) {
  auto d = parse_server_config("", "t.toml");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->maildir_fsync_threads, 8);
  auto zero = parse_server_config("[maildir]\nfsync_threads = 0\n", "t.toml");
  ASSERT_TRUE(zero);
  EXPECT_EQ(zero->maildir_fsync_threads, 0);
  auto many = parse_server_config("[maildir]\nfsync_threads = 65\n", "t.toml");
  ASSERT_FALSE(many);
  EXPECT_NE(many.error().find("[maildir] fsync_threads must be 0..64"), std::string::npos);
}

}  // namespace
}  // namespace zest::config
