// The webhook sink: transport's HTTP client with many posts in flight, so
// that every user stream has its own request and a slow receiver for one
// user never delays another. The URL is the administrator's own: no SSRF
// guard here (docs/events.md), unlike the https notifications.
#include <map>
#include <memory>

#include "events/sinks.hpp"
#include "transport/http_client.hpp"
#include "transport/webhook_signature.hpp"

namespace zest::events {
namespace {

class WebhookTransport final : public SinkTransport {
 public:
  WebhookTransport(SinkOptions o, transport::HttpEndpoint endpoint,
                   transport::HttpSettings settings)
      : o_(std::move(o)), endpoint_(std::move(endpoint)), settings_(std::move(settings)) {}

  void start(const Delivery& d) override {
    transport::WebhookRequest request;
    request.headers = {"Content-Type: application/cloudevents+json; charset=utf-8",
                       "User-Agent: zestd/0.1.0"};
    request.webhook_id = d.event.id;
    request.body = cloudevent_json(d.event, o_.source, o_.fields_denied);
    const auto id = posts_.start(transport::HttpPost(endpoint_, std::move(request), settings_));
    streams_.emplace(id, Stream{d.event.user, d.event.sequence});
  }

  std::vector<Done> wait(std::chrono::milliseconds timeout) override {
    std::vector<Done> out;
    for (auto& f : posts_.wait(timeout)) {
      auto it = streams_.find(f.id);
      if (it == streams_.end()) continue;
      Done d;
      d.user = std::move(it->second.user);
      d.seq = it->second.seq;
      streams_.erase(it);
      d.attempt = attempt(f.result);
      out.push_back(std::move(d));
    }
    return out;
  }

  void wake() override { posts_.wake(); }
  std::size_t capacity() const override { return o_.max_parallel; }

 private:
  struct Stream {
    std::string user;
    std::int64_t seq = 0;
  };

  static Attempt attempt(const transport::PostResult& r) {
    Attempt a;
    if (r.delivered) {
      a.kind = Attempt::Kind::Delivered;
    } else if (r.transfer_error) {
      a.error = *r.transfer_error;
      // A certificate the configuration does not trust is a retryable
      // failure too: the administrator may fix the CA while we retry.
      a.kind = Attempt::Kind::Retry;
    } else {
      a.error = "HTTP status " + std::to_string(r.status);
      a.kind = r.retryable_status() ? Attempt::Kind::Retry : Attempt::Kind::Permanent;
      if (!r.retry_after.empty()) {
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        a.retry_after = parse_retry_after(r.retry_after, now);
      }
    }
    return a;
  }

  SinkOptions o_;
  transport::HttpEndpoint endpoint_;
  transport::HttpSettings settings_;
  transport::ParallelPosts posts_;
  std::map<transport::ParallelPosts::Id, Stream> streams_;
};

}  // namespace

Result<std::unique_ptr<SinkTransport>> make_webhook_transport(const SinkOptions& o) {
  using R = Result<std::unique_ptr<SinkTransport>>;
  transport::EndpointPolicy policy;
  policy.allow_http = true;  // accepted with a warning (docs/events.md)
  policy.guard = false;
  auto endpoint = transport::http_endpoint(o.url, policy);
  if (!endpoint) return R::failure("url: " + endpoint.error());
  transport::HttpSettings settings;
  settings.ca_file = o.ca_file;
  settings.timeout_seconds = o.timeout_seconds;
  if (!o.secret.empty()) {
    settings.key = transport::webhook_key(o.secret);
    if (!settings.key) return R::failure("secret is not whsec_<base64>");
  }
  return std::unique_ptr<SinkTransport>(
      std::make_unique<WebhookTransport>(o, std::move(*endpoint), std::move(settings)));
}

}  // namespace zest::events
