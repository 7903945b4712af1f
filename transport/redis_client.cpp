#include "transport/redis_client.hpp"

#include <hiredis/hiredis.h>

#include <charconv>

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

}  // namespace

void RedisClient::Free::operator()(redisContext* c) const {
  redisFree(c);
}

RedisClient::RedisClient(RedisEndpoint endpoint, long timeout_seconds)
    : endpoint_(std::move(endpoint)), timeout_seconds_(timeout_seconds) {}

RedisClient::~RedisClient() = default;

Status RedisClient::connect() {
  if (ctx_) return Status::success();
  const timeval tv{timeout_seconds_, 0};
  ctx_.reset(redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, tv));
  if (!ctx_) return Status::failure("redis: out of memory");
  if (ctx_->err) {
    std::string e =
        "redis " + endpoint_.host + ":" + std::to_string(endpoint_.port) + ": " + ctx_->errstr;
    ctx_.reset();
    return Status::failure(std::move(e));
  }
  redisSetTimeout(ctx_.get(), tv);
  Status s;
  if (!endpoint_.user.empty())
    s = Status::from(command({"AUTH", endpoint_.user, endpoint_.password}));
  else if (!endpoint_.password.empty())
    s = Status::from(command({"AUTH", endpoint_.password}));
  if (s && endpoint_.db != 0) s = Status::from(command({"SELECT", std::to_string(endpoint_.db)}));
  if (!s) ctx_.reset();
  return s;
}

Result<RedisReply> RedisClient::command(const std::vector<std::string>& args) {
  using R = Result<RedisReply>;
  if (!ctx_) return R::failure("redis: no connection");
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  std::unique_ptr<redisReply, ReplyDeleter> r(static_cast<redisReply*>(
      redisCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lens.data())));
  if (!r) return R::failure(std::string("redis: ") + ctx_->errstr);
  if (r->type == REDIS_REPLY_ERROR) return R::failure("redis: " + std::string(r->str, r->len));
  return convert(*r);
}

Result<RedisEndpoint> parse_redis_url(std::string_view url) {
  using R = Result<RedisEndpoint>;
  constexpr std::string_view kScheme = "redis://";
  if (url.starts_with("rediss://"))
    return R::failure("rediss:// (TLS) is not supported: this build's hiredis has no TLS");
  if (!url.starts_with(kScheme)) return R::failure("a redis url must be redis://host:port");
  url.remove_prefix(kScheme.size());
  RedisEndpoint out;
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
