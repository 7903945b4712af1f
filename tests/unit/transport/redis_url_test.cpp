// The redis:// and rediss:// URLs of the Redis client (docs/events.md).
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

TEST(RedisUrl, RedissIsTls) {
  auto u = parse_redis_url("rediss://zest:s3cret@redis.example:6380/3");
  ASSERT_TRUE(u) << u.error();
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "redis.example");
  EXPECT_EQ(u->port, 6380);
  EXPECT_EQ(u->user, "zest");
  EXPECT_EQ(u->password, "s3cret");
  EXPECT_EQ(u->db, 3);
  EXPECT_TRUE(u->verify);  // verified unless the configuration says otherwise
  u = parse_redis_url("rediss://[::1]");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 6379);  // the same default port as redis://
  u = parse_redis_url("redis://h");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->tls);
  EXPECT_FALSE(parse_redis_url("redisss://h"));
  EXPECT_FALSE(parse_redis_url("rediss://"));
}

// Nothing listens on the port: a clear failure naming the server, for
// plain and TLS alike (no handshake is attempted without a connection).
TEST(RedisClient, ConnectFailureNamesTheServer) {
  for (const bool tls : {false, true}) {
    RedisEndpoint e;
    e.port = 1;
    e.tls = tls;
    RedisClient c(e, 1);
    const auto s = c.connect();
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().find("redis 127.0.0.1:1: connect: "), 0u) << s.error();
    EXPECT_FALSE(c.connected());
  }
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
