// The redis:// URL of the Redis client (docs/events.md).
#include <gtest/gtest.h>

#include "transport/redis_client.hpp"

namespace zest::transport {
namespace {

TEST(RedisUrl, Forms) {
  auto u = parse_redis_url("redis://:pw@10.0.0.1:6380/2");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "10.0.0.1");
  EXPECT_EQ(u->port, 6380);
  EXPECT_EQ(u->password, "pw");
  EXPECT_EQ(u->db, 2);
  u = parse_redis_url("redis://[::1]");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 6379);
  EXPECT_FALSE(parse_redis_url("http://x"));
  EXPECT_FALSE(parse_redis_url("redis://x:0"));
  EXPECT_FALSE(parse_redis_url("redis://"));
}

TEST(RedisUrl, AclUserAndPassword) {
  auto u = parse_redis_url("redis://zest:s3cret@redis.example:6380");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "zest");
  EXPECT_EQ(u->password, "s3cret");
  u = parse_redis_url("redis://justpw@h");  // no colon: a password for the default user
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "");
  EXPECT_EQ(u->password, "justpw");
}

TEST(RedisUrl, TlsIsRefusedClearly) {
  auto u = parse_redis_url("rediss://h:6380");
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().find("rediss:// (TLS) is not supported"), std::string::npos);
}

TEST(RedisClient, CommandWithoutConnectionFails) {
  RedisClient c({}, 1);
  EXPECT_FALSE(c.connected());
  auto r = c.command({"PING"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "redis: no connection");
}

}  // namespace
}  // namespace zest::transport
