// The Redis Streams sink (hiredis): each event is one XADD entry in one
// stream shared by every zestd node. A Lua script makes the XADD
// idempotent: it first sets "<stream>:seen:<event id>" with NX (kept for a
// week), so a retry after a lost reply adds nothing.
#include <hiredis/hiredis.h>

#include <charconv>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "events/sinks.hpp"

namespace zest::events {
namespace {

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

constexpr const char* kScript =
    "if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then "
    "return redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2)) "
    "else return false end";

class RedisTransport final : public SinkTransport {
 public:
  RedisTransport(SinkOptions o, RedisUrl url) : o_(std::move(o)), url_(std::move(url)) {}

  void start(const Delivery& d) override {
    Done done;
    done.user = d.event.user;
    done.seq = d.event.sequence;
    done.attempt = send(d);
    if (done.attempt.kind != Attempt::Kind::Delivered) ctx_.reset();  // reconnect next time
    std::lock_guard lock(mu_);
    done_.push_back(std::move(done));
  }

  std::vector<Done> wait(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !done_.empty() || woken_; });
    woken_ = false;
    return std::exchange(done_, {});
  }

  void wake() override {
    std::lock_guard lock(mu_);
    woken_ = true;
    cv_.notify_all();
  }
  // One connection, one command at a time: Redis answers in microseconds.
  std::size_t capacity() const override { return 64; }

 private:
  Reply command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    return Reply(static_cast<redisReply*>(
        redisCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lens.data())));
  }

  Error connect() {
    const timeval tv{o_.timeout_seconds, 0};
    ctx_.reset(redisConnectWithTimeout(url_.host.c_str(), url_.port, tv));
    if (!ctx_) return "redis: out of memory";
    if (ctx_->err) {
      std::string e = "redis " + url_.host + ":" + std::to_string(url_.port) + ": " + ctx_->errstr;
      ctx_.reset();
      return e;
    }
    redisSetTimeout(ctx_.get(), tv);
    auto check = [&](Reply r) -> Error {
      if (!r) return std::string("redis: ") + ctx_->errstr;
      if (r->type == REDIS_REPLY_ERROR) return "redis: " + std::string(r->str, r->len);
      return std::nullopt;
    };
    if (!url_.password.empty())
      if (auto e = check(command({"AUTH", url_.password}))) return e;
    if (url_.db != 0)
      if (auto e = check(command({"SELECT", std::to_string(url_.db)}))) return e;
    return std::nullopt;
  }

  Attempt send(const Delivery& d) {
    Attempt a;
    if (!ctx_)
      if (auto e = connect()) {
        a.error = *e;
        ctx_.reset();
        return a;
      }
    const std::string doc = cloudevent_json(d.event, o_.source, o_.fields_denied);
    Reply r = command({"EVAL", kScript, "2", o_.stream, o_.stream + ":seen:" + d.event.id, "604800",
                       "id", d.event.id, "type", d.event.type, "subject", d.event.user, "sequence",
                       sequence_text(d.event.sequence), "time", d.event.time, "event", doc});
    if (!r) {
      a.error = std::string("redis: ") + (ctx_ ? ctx_->errstr : "no connection");
      return a;
    }
    if (r->type == REDIS_REPLY_ERROR) {
      a.error = "redis: " + std::string(r->str, r->len);
      return a;
    }
    a.kind = Attempt::Kind::Delivered;  // added now, or already (a retry)
    return a;
  }

  SinkOptions o_;
  RedisUrl url_;
  std::unique_ptr<redisContext, ContextDeleter> ctx_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Done> done_;
  bool woken_ = false;
};

}  // namespace

Result<RedisUrl> parse_redis_url(std::string_view url) {
  using R = Result<RedisUrl>;
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) return R::failure("a redis sink's url must be redis://host:port");
  url.remove_prefix(kScheme.size());
  RedisUrl out;
  if (const auto at = url.rfind('@'); at != std::string_view::npos) {
    std::string_view auth = url.substr(0, at);
    if (const auto colon = auth.find(':'); colon != std::string_view::npos)
      auth.remove_prefix(colon + 1);
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

Result<std::unique_ptr<SinkTransport>> make_redis_transport(const SinkOptions& o) {
  using R = Result<std::unique_ptr<SinkTransport>>;
  auto url = parse_redis_url(o.url);
  if (!url) return R::failure(url.error());
  if (!o.secret.empty()) url->password = o.secret;
  return std::unique_ptr<SinkTransport>(std::make_unique<RedisTransport>(o, std::move(*url)));
}

}  // namespace zest::events
