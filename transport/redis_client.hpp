// A Redis client (hiredis): one blocking connection, commands as argument
// vectors (binary-safe), replies as plain values. The event sink's Redis
// stream (docs/events.md) is written through it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

struct redisContext;

namespace zest::transport {

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;      // ACL user of AUTH ("" = the default user)
  std::string password;  // AUTH after connecting ("" = none)
  int db = 0;            // SELECT after connecting (0 = stay)
};

// "redis://[[user]:password@]host[:port][/db]" ("redis://password@host"
// too). rediss:// (TLS) is refused: this hiredis is built without TLS.
Result<RedisEndpoint> parse_redis_url(std::string_view url);

struct RedisReply {
  enum class Type { Nil, String, Integer, Array };
  Type type = Type::Nil;
  std::string text;  // String: a bulk or status reply
  long long integer = 0;
  std::vector<RedisReply> elements;  // Array
};

class RedisClient {
 public:
  RedisClient(RedisEndpoint endpoint, long timeout_seconds);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Connects and authenticates, selects the database; nothing when connected.
  Status connect();
  bool connected() const { return ctx_ != nullptr; }
  // Drops the connection (the next connect() opens a new one).
  void disconnect() { ctx_.reset(); }

  // One command; an error reply or a lost connection is a failure
  // ("redis: <why>"). Does not connect by itself.
  Result<RedisReply> command(const std::vector<std::string>& args);

 private:
  struct Free {
    void operator()(redisContext* c) const;
  };
  RedisEndpoint endpoint_;
  long timeout_seconds_;
  std::unique_ptr<redisContext, Free> ctx_;
};

}  // namespace zest::transport
