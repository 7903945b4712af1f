#include "transport/redis_client.hpp"

#include <hiredis/hiredis.h>

#include <charconv>

#include "transport/client_stream.hpp"

namespace zest::transport {
namespace {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};

RedisReply convert(const redisReply& r) {
  RedisReply out;
  switch (r.type) {
    case REDIS_REPLY_NIL:
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::Integer;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::Array;
      for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(convert(*r.element[i]));
      break;
    default:  // bulk and status replies
      out.type = RedisReply::Type::String;
      if (r.str) out.text.assign(r.str, r.len);
      break;
  }
  return out;
}

struct CommandDeleter {
  void operator()(char* c) const { redisFreeCommand(c); }
};

}  // namespace

void RedisClient::FreeReader::operator()(redisReader* r) const {
  redisReaderFree(r);
}

RedisClient::RedisClient(RedisEndpoint endpoint, long timeout_seconds)
    : endpoint_(std::move(endpoint)), timeout_seconds_(timeout_seconds) {}

RedisClient::~RedisClient() = default;

void RedisClient::disconnect() {
  reader_.reset();
  stream_.reset();
}

Status RedisClient::connect() {
  if (stream_) return Status::success();
  StreamOptions o;
  o.host = endpoint_.host;
  o.port = endpoint_.port;
  o.timeout_seconds = timeout_seconds_;
  o.tls = endpoint_.tls;
  o.ca_file = endpoint_.ca_file;
  o.verify = endpoint_.verify;
  auto opened = ClientStream::open(o);
  if (!opened)
    return Status::failure("redis " + endpoint_.host + ":" + std::to_string(endpoint_.port) + ": " +
                           opened.error());
  reader_.reset(redisReaderCreate());
  if (!reader_) return Status::failure("redis: out of memory");
  stream_ = std::make_unique<ClientStream>(std::move(*opened));
  // Inside TLS for rediss://: the password never crosses the network in clear.
  Status s;
  if (!endpoint_.user.empty())
    s = Status::from(command({"AUTH", endpoint_.user, endpoint_.password}));
  else if (!endpoint_.password.empty())
    s = Status::from(command({"AUTH", endpoint_.password}));
  if (s && endpoint_.db != 0) s = Status::from(command({"SELECT", std::to_string(endpoint_.db)}));
  if (!s) disconnect();
  return s;
}

Result<RedisReply> RedisClient::command(const std::vector<std::string>& args) {
  using R = Result<RedisReply>;
  if (!stream_) return R::failure("redis: no connection");
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  char* raw = nullptr;
  const int len =
      redisFormatCommandArgv(&raw, static_cast<int>(argv.size()), argv.data(), lens.data());
  const std::unique_ptr<char, CommandDeleter> cmd(raw);
  if (len < 0 || !cmd) return R::failure("redis: out of memory");
  if (auto sent = stream_->write_all({cmd.get(), static_cast<std::size_t>(len)}); !sent) {
    disconnect();  // a half-written command: the connection is unusable
    return R::failure("redis: " + sent.error());
  }
  return read_reply();
}

// Reads until the reader has one whole reply. Anything but a reply leaves
// the connection out of step with the commands: it is dropped.
Result<RedisReply> RedisClient::read_reply() {
  using R = Result<RedisReply>;
  char buf[16384];
  for (;;) {
    void* raw = nullptr;
    if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
      std::string e = "redis: protocol error: " + std::string(reader_->errstr);
      disconnect();
      return R::failure(std::move(e));
    }
    if (raw) {
      const std::unique_ptr<redisReply, ReplyDeleter> r(static_cast<redisReply*>(raw));
      if (r->type == REDIS_REPLY_ERROR) return R::failure("redis: " + std::string(r->str, r->len));
      return convert(*r);
    }
    auto n = stream_->read_some(buf);
    if (!n || *n == 0) {
      std::string e = "redis: " + (n ? std::string("connection closed") : n.error());
      disconnect();
      return R::failure(std::move(e));
    }
    redisReaderFeed(reader_.get(), buf, *n);
  }
}

Result<RedisEndpoint> parse_redis_url(std::string_view url) {
  using R = Result<RedisEndpoint>;
  RedisEndpoint out;
  if (url.starts_with("rediss://")) {
    out.tls = true;
    url.remove_prefix(std::string_view("rediss://").size());
  } else if (url.starts_with("redis://")) {
    url.remove_prefix(std::string_view("redis://").size());
  } else {
    return R::failure("a redis url must be redis://host:port or rediss://host:port");
  }
  if (const auto at = url.rfind('@'); at != std::string_view::npos) {
    std::string_view auth = url.substr(0, at);
    if (const auto colon = auth.find(':'); colon != std::string_view::npos) {
      out.user = std::string(auth.substr(0, colon));
      auth.remove_prefix(colon + 1);
    }
    out.password = std::string(auth);
    url.remove_prefix(at + 1);
  }
  std::string_view hostport = url.substr(0, url.find('/'));
  if (const auto slash = url.find('/'); slash != std::string_view::npos) {
    const std::string_view db = url.substr(slash + 1);
    if (!db.empty()) {
      const auto r = std::from_chars(db.data(), db.data() + db.size(), out.db);
      if (r.ec != std::errc() || r.ptr != db.data() + db.size() || out.db < 0)
        return R::failure("bad database number in redis url");
    }
  }
  std::string_view port;
  if (hostport.starts_with("[")) {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) return R::failure("bad host in redis url");
    if (hostport.size() > close + 1) {
      if (hostport[close + 1] != ':') return R::failure("bad host in redis url");
      port = hostport.substr(close + 2);
    }
    hostport = hostport.substr(1, close - 1);
  } else if (const auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    port = hostport.substr(colon + 1);
    hostport = hostport.substr(0, colon);
  }
  if (!port.empty()) {
    const auto r = std::from_chars(port.data(), port.data() + port.size(), out.port);
    if (r.ec != std::errc() || r.ptr != port.data() + port.size() || out.port <= 0 ||
        out.port > 65535)
      return R::failure("bad port in redis url");
  }
  if (hostport.empty()) return R::failure("no host in redis url");
  out.host = std::string(hostport);
  return out;
}

}  // namespace zest::transport
