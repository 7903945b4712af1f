#include "transport/http_client.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "base/ip_address.hpp"
#include "base/text.hpp"
#include "methods/http.hpp"
#include "transport/curl.hpp"
#include "transport/webhook_signature.hpp"

namespace zest::transport {

Result<HttpEndpoint> http_endpoint(std::string_view url, const EndpointPolicy& policy) {
  using R = Result<HttpEndpoint>;
  auto uri = methods::parse_http(url, policy.allow_http);
  if (!uri) return R::failure(uri.error());
  HttpEndpoint e;
  e.url = std::string(url);
  e.scheme = uri->scheme;
  if (policy.guard) {
    auto address = permitted_address(uri->host, policy.allow);
    if (!address) return R::failure(address.error());
    // An IP literal is connected to as it is (libcurl does no lookup, and
    // its CURLOPT_RESOLVE cannot name an IPv6 literal host: "::1:443:[::1]"
    // fails the whole transfer). A name is pinned to the checked address.
    if (!base::parse_ip(uri->host))
      e.pin = uri->host + ":" + std::to_string(uri->port) + ":" + *address;
  }
  return e;
}

// Everything libcurl points into while the transfer runs.
struct HttpPost::Transfer {
  curl::Easy easy;
  curl::Slist headers, resolve;
  std::string body;
  std::string retry_after;
  std::size_t received = 0;
  char errbuf[CURL_ERROR_SIZE] = {};

  PostResult result(CURLcode rc) const {
    PostResult r;
    curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &r.status);
    const bool ok_status = r.status >= 200 && r.status < 300;
    // A write error is our own stop after 64 KiB of answer.
    r.delivered = ok_status && (rc == CURLE_OK || rc == CURLE_WRITE_ERROR);
    if (rc != CURLE_OK) {
      r.transfer_error = curl::error_text(rc, errbuf);
      r.permanent_transfer_error = rc == CURLE_SSL_CACERT || rc == CURLE_PEER_FAILED_VERIFICATION ||
                                   rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT;
    }
    r.retry_after = retry_after;
    return r;
  }

  static std::size_t on_body(char*, std::size_t size, std::size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    t->received += size * n;
    return t->received > 65536 ? 0 : size * n;  // we only need the status
  }

  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::string_view line(data, size * n);
    constexpr std::string_view kName = "retry-after:";
    if (line.size() > kName.size() && base::istarts_with(line, kName))
      t->retry_after = std::string(line.substr(kName.size()));
    return size * n;
  }
};

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

HttpPost::HttpPost(const HttpEndpoint& to, WebhookRequest request, const HttpSettings& settings)
    : t_(std::make_unique<Transfer>()) {
  Transfer& t = *t_;
  t.body = std::move(request.body);
  t.easy.reset(curl_easy_init());
  CURL* c = t.easy.get();
  if (!c) return;  // perform() reports it
  for (const auto& h : request.headers) t.headers.append(h);
  const std::int64_t ts = unix_now();
  t.headers.append("webhook-id: " + request.webhook_id);
  t.headers.append("webhook-timestamp: " + std::to_string(ts));
  if (settings.key)
    t.headers.append("webhook-signature: " +
                     webhook_signature(*settings.key, request.webhook_id, ts, t.body));
  t.headers.append("Expect:");
  curl_easy_setopt(c, CURLOPT_URL, to.url.c_str());
  if (!to.pin.empty()) {
    // Connect to the address the guard checked (no second DNS answer), and
    // never through a proxy from the environment (it would bypass the check).
    t.resolve.append(to.pin);
    curl_easy_setopt(c, CURLOPT_RESOLVE, t.resolve.get());
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  }
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, to.scheme.c_str());
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // we run on worker threads
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!settings.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, settings.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, std::min(settings.timeout_seconds, 5L));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, settings.timeout_seconds);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, t.headers.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, t.body.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.body.size()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Transfer::on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, Transfer::on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t.errbuf);
}

HttpPost::HttpPost(HttpPost&&) noexcept = default;
HttpPost& HttpPost::operator=(HttpPost&&) noexcept = default;
HttpPost::~HttpPost() = default;

PostResult HttpPost::perform() {
  if (!t_->easy) {
    PostResult r;
    r.transfer_error = "curl_easy_init failed";
    r.permanent_transfer_error = true;
    return r;
  }
  return t_->result(curl_easy_perform(t_->easy.get()));
}

struct ParallelPosts::State {
  curl::Multi multi{curl_multi_init()};
  Id next = 1;
  struct Running {
    Id id;
    std::unique_ptr<HttpPost::Transfer> transfer;
  };
  std::map<CURL*, Running> running;
  std::vector<Finished> not_started;  // libcurl had no handle for them

  void collect(std::vector<Finished>& out) {
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi.get(), &left)) {
      if (m->msg != CURLMSG_DONE) continue;
      CURL* c = m->easy_handle;
      const CURLcode rc = m->data.result;
      auto it = running.find(c);
      if (it == running.end()) continue;
      Running r = std::move(it->second);
      running.erase(it);
      curl_multi_remove_handle(multi.get(), c);
      out.push_back({r.id, r.transfer->result(rc)});
    }
  }
};

ParallelPosts::ParallelPosts() : s_(std::make_unique<State>()) {}

ParallelPosts::~ParallelPosts() {
  for (auto& [easy, r] : s_->running) curl_multi_remove_handle(s_->multi.get(), easy);
}

ParallelPosts::Id ParallelPosts::start(HttpPost post) {
  const Id id = s_->next++;
  CURL* c = post.t_->easy.get();
  if (!c) {
    s_->not_started.push_back({id, post.perform()});
    return id;
  }
  curl_multi_add_handle(s_->multi.get(), c);
  s_->running.emplace(c, State::Running{id, std::move(post.t_)});
  return id;
}

std::vector<ParallelPosts::Finished> ParallelPosts::wait(std::chrono::milliseconds timeout) {
  std::vector<Finished> out = std::exchange(s_->not_started, {});
  int running = 0;
  curl_multi_perform(s_->multi.get(), &running);
  s_->collect(out);
  if (!out.empty()) return out;
  int numfds = 0;
  curl_multi_poll(s_->multi.get(), nullptr, 0,
                  static_cast<int>(std::min<std::int64_t>(timeout.count(), 60000)), &numfds);
  curl_multi_perform(s_->multi.get(), &running);
  s_->collect(out);
  return out;
}

void ParallelPosts::wake() {
  curl_multi_wakeup(s_->multi.get());
}

std::optional<std::int64_t> parse_http_date(std::string_view text) {
  const std::string s(text);
  const time_t when = curl_getdate(s.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  return static_cast<std::int64_t>(when);
}

}  // namespace zest::transport
