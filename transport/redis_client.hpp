// A Redis client: one blocking connection (plain TCP, or TLS for
// rediss://), commands as argument vectors (binary-safe), replies as plain
// values. hiredis only encodes commands and parses replies: its own
// connections have no TLS in the hiredis of Debian 12 (0.14). [state]
// redis, ManageSieve's shared counts and the event sink's Redis stream
// (docs/events.md) all go through it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

struct redisReader;

namespace zest::transport {

class ClientStream;

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;      // ACL user of AUTH ("" = the default user)
  std::string password;  // AUTH after connecting ("" = none)
  int db = 0;            // SELECT after connecting (0 = stay)
  bool tls = false;      // rediss://: TLS, AUTH inside it
  std::string ca_file;   // PEM CAs to trust ("" = the system's)
  bool verify = true;    // check the certificate and that it names host
};

// "redis://[[user]:password@]host[:port][/db]" ("redis://password@host"
// too); "rediss://..." is the same over TLS (tls = true, default port
// still 6379). ca_file and verify come from the configuration, not the url.
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
  bool connected() const { return stream_ != nullptr; }
  // Drops the connection (the next connect() opens a new one).
  void disconnect();

  // One command; an error reply or a lost connection is a failure
  // ("redis: <why>"); a lost connection is dropped. Does not connect by
  // itself.
  Result<RedisReply> command(const std::vector<std::string>& args);

 private:
  struct FreeReader {
    void operator()(redisReader* r) const;
  };
  Result<RedisReply> read_reply();

  RedisEndpoint endpoint_;
  long timeout_seconds_;
  std::unique_ptr<ClientStream> stream_;
  std::unique_ptr<redisReader, FreeReader> reader_;  // replies of stream_
};

}  // namespace zest::transport
