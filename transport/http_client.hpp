// The one HTTP client of zest: signed webhook POSTs (Standard Webhooks)
// with libcurl, for the https notifications (docs/http-notify.md) and the
// event webhook sinks (docs/events.md). Both send the same way: no
// redirects, TLS 1.2+ with verification, bounded time, at most 64 KiB of
// any answer read. They differ in the endpoint policy: notifications go
// to URLs from scripts, so the SSRF guard resolves each host once, refuses
// internal addresses, pins the checked one and ignores proxies; an event
// sink's URL is the administrator's own, internal addresses (and proxies
// from the environment) are normal there.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "transport/ssrf_guard.hpp"

namespace zest::transport {

struct EndpointPolicy {
  bool allow_http = false;  // accept http: URLs besides https:
  bool guard = true;        // the SSRF guard (see above)
  std::vector<Cidr> allow;  // internal ranges the guard lets through
};

// A checked webhook URL.
struct HttpEndpoint {
  std::string url;
  std::string scheme;  // "https" or "http": the one protocol libcurl may use
  std::string pin;     // "host:port:address" the guard checked; "" = unguarded
};

// Parses and checks the URL (errors as methods::parse_http words them);
// with the guard, resolves the host now and pins a permitted address.
Result<HttpEndpoint> http_endpoint(std::string_view url, const EndpointPolicy& policy);

struct HttpSettings {
  std::string ca_file;             // trust this CA (PEM) for https
  long timeout_seconds = 10;       // the whole request; connecting at most 5 s
  std::optional<std::string> key;  // Standard Webhooks key; nullopt = unsigned
};

// What to POST: headers ("Name: value", before webhook-id, -timestamp and
// -signature), the webhook-id (the same on every retry) and the body.
struct WebhookRequest {
  std::vector<std::string> headers;
  std::string webhook_id;
  std::string body;
};

// The outcome of one POST.
struct PostResult {
  bool delivered = false;  // a 2xx answer (an answer body cut at 64 KiB included)
  long status = 0;         // the HTTP status, 0 when none arrived
  // libcurl's text when the transfer itself failed (network, TLS, timeout).
  std::optional<std::string> transfer_error;
  // The failure will repeat as it is: certificate, protocol or URL refused.
  bool permanent_transfer_error = false;
  std::string retry_after;  // the Retry-After header, as received

  // 408, 429 and 5xx ask to try again later.
  bool retryable_status() const { return status == 408 || status == 429 || status >= 500; }
};

// One signed POST (its timestamp and signature are made when it is built).
class HttpPost {
 public:
  HttpPost(const HttpEndpoint& to, WebhookRequest request, const HttpSettings& settings);
  HttpPost(HttpPost&&) noexcept;
  HttpPost& operator=(HttpPost&&) noexcept;
  ~HttpPost();

  // Sends it now, blocking.
  PostResult perform();

 private:
  friend class ParallelPosts;
  struct Transfer;
  std::unique_ptr<Transfer> t_;
};

// Many posts in flight at once (libcurl multi): a slow receiver for one
// never delays another.
class ParallelPosts {
 public:
  using Id = std::uint64_t;
  struct Finished {
    Id id;
    PostResult result;
  };

  ParallelPosts();
  ~ParallelPosts();
  ParallelPosts(const ParallelPosts&) = delete;
  ParallelPosts& operator=(const ParallelPosts&) = delete;

  // Its result comes back from wait() under the returned id.
  Id start(HttpPost post);
  // The posts that finished, waiting up to `timeout` (or until wake()) when
  // none has yet.
  std::vector<Finished> wait(std::chrono::milliseconds timeout);
  void wake();  // from any thread

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// An HTTP date (RFC 9110 §5.6.7, obsolete forms too) as Unix seconds.
std::optional<std::int64_t> parse_http_date(std::string_view text);

}  // namespace zest::transport
