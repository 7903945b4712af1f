// The Redis Streams sink (transport's Redis client; rediss:// for TLS):
// each event is one XADD entry in one stream shared by every zestd node.
// A Lua script makes the XADD idempotent: it first sets
// "<stream>:seen:<event id>" with NX (kept for a week), so a retry after a
// lost reply adds nothing.
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>

#include "events/sinks.hpp"
#include "transport/redis_client.hpp"

namespace zest::events {
namespace {

constexpr const char* kScript =
    "if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then "
    "return redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2)) "
    "else return false end";

class RedisTransport final : public SinkTransport {
 public:
  RedisTransport(SinkOptions o, transport::RedisEndpoint endpoint)
      : o_(std::move(o)), redis_(std::move(endpoint), o_.timeout_seconds) {}

  void start(const Delivery& d) override {
    Done done;
    done.user = d.event.user;
    done.seq = d.event.sequence;
    done.attempt = send(d);
    if (done.attempt.kind != Attempt::Kind::Delivered) redis_.disconnect();  // reconnect next time
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
  Attempt send(const Delivery& d) {
    Attempt a;
    if (auto s = redis_.connect(); !s) {
      a.error = s.error();
      return a;
    }
    const std::string doc = cloudevent_json(d.event, o_.source, o_.fields_denied);
    auto r = redis_.command({"EVAL", kScript, "2", o_.stream, o_.stream + ":seen:" + d.event.id,
                             "604800", "id", d.event.id, "type", d.event.type, "subject",
                             d.event.user, "sequence", sequence_text(d.event.sequence), "time",
                             d.event.time, "event", doc});
    if (!r) {
      a.error = r.error();
      return a;
    }
    a.kind = Attempt::Kind::Delivered;  // added now, or already (a retry)
    return a;
  }

  SinkOptions o_;
  transport::RedisClient redis_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Done> done_;
  bool woken_ = false;
};

}  // namespace

Result<std::unique_ptr<SinkTransport>> make_redis_transport(const SinkOptions& o) {
  using R = Result<std::unique_ptr<SinkTransport>>;
  auto url = transport::parse_redis_url(o.url);
  if (!url) return R::failure(url.error());
  if (!o.secret.empty()) url->password = o.secret;
  url->ca_file = o.ca_file;
  url->verify = o.tls_verify;
  std::error_code ec;
  if (url->tls && !o.ca_file.empty() && !std::filesystem::is_regular_file(o.ca_file, ec))
    return R::failure("ca_file " + o.ca_file + ": no such file");
  return std::unique_ptr<SinkTransport>(std::make_unique<RedisTransport>(o, std::move(*url)));
}

}  // namespace zest::events
