// The webhook sink: libcurl's multi interface, so that every user stream
// has its own request in flight and a slow receiver for one user never
// delays another. The signature code is the enotify https method's
// (methods/http.hpp).
#include <curl/curl.h>

#include <chrono>
#include <map>
#include <memory>

#include "events/sinks.hpp"
#include "methods/http.hpp"

namespace zest::events {
namespace {

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct MultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};

// One request in flight; owns everything curl points into.
struct Transfer {
  std::unique_ptr<CURL, EasyDeleter> easy;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  std::string body;
  std::string user;
  std::int64_t seq = 0;
  std::string retry_after;
  std::size_t received = 0;
  char errbuf[CURL_ERROR_SIZE] = {};
};

std::size_t on_body(char*, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  t->received += size * n;
  return t->received > 65536 ? 0 : size * n;  // we only need the status
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view line(data, size * n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    bool match = true;
    for (std::size_t i = 0; i < kName.size() && match; ++i)
      match = std::tolower(static_cast<unsigned char>(line[i])) == kName[i];
    if (match) t->retry_after = std::string(line.substr(kName.size()));
  }
  return size * n;
}

void append(std::unique_ptr<curl_slist, SlistDeleter>& list, const std::string& line) {
  if (curl_slist* l = curl_slist_append(list.get(), line.c_str())) {
    (void)list.release();
    list.reset(l);
  }
}

class WebhookTransport final : public SinkTransport {
 public:
  WebhookTransport(SinkOptions o, std::optional<std::string> key, bool plain_http)
      : o_(std::move(o)),
        key_(std::move(key)),
        plain_http_(plain_http),
        multi_(curl_multi_init()) {}

  void start(const Delivery& d) override {
    auto t = std::make_unique<Transfer>();
    t->user = d.event.user;
    t->seq = d.event.sequence;
    t->body = cloudevent_json(d.event, o_.source, o_.fields_denied);
    t->easy.reset(curl_easy_init());
    CURL* c = t->easy.get();
    const std::int64_t ts = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
    append(t->headers, "Content-Type: application/cloudevents+json; charset=utf-8");
    append(t->headers, "User-Agent: zestd/0.1.0");
    append(t->headers, "webhook-id: " + d.event.id);
    append(t->headers, "webhook-timestamp: " + std::to_string(ts));
    if (key_)
      append(t->headers,
             "webhook-signature: " + methods::webhook_signature(*key_, d.event.id, ts, t->body));
    append(t->headers, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, o_.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, plain_http_ ? "http" : "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!o_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, o_.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, std::min(o_.timeout_seconds, 5L));
    curl_easy_setopt(c, CURLOPT_TIMEOUT, o_.timeout_seconds);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, t->headers.get());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, t->body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->body.size()));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(c, CURLOPT_PRIVATE, t.get());
    curl_multi_add_handle(multi_.get(), c);
    transfers_.emplace(c, std::move(t));
  }

  std::vector<Done> wait(std::chrono::milliseconds timeout) override {
    std::vector<Done> out;
    int running = 0;
    curl_multi_perform(multi_.get(), &running);
    collect(out);
    if (!out.empty()) return out;
    int numfds = 0;
    curl_multi_poll(multi_.get(), nullptr, 0,
                    static_cast<int>(std::min<std::int64_t>(timeout.count(), 60000)), &numfds);
    curl_multi_perform(multi_.get(), &running);
    collect(out);
    return out;
  }

  void wake() override { curl_multi_wakeup(multi_.get()); }
  std::size_t capacity() const override { return o_.max_parallel; }

  ~WebhookTransport() override {
    for (auto& [easy, t] : transfers_) curl_multi_remove_handle(multi_.get(), easy);
  }

 private:
  void collect(std::vector<Done>& out) {
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi_.get(), &left)) {
      if (m->msg != CURLMSG_DONE) continue;
      CURL* c = m->easy_handle;
      const CURLcode rc = m->data.result;
      auto it = transfers_.find(c);
      if (it == transfers_.end()) continue;
      std::unique_ptr<Transfer> t = std::move(it->second);
      transfers_.erase(it);
      curl_multi_remove_handle(multi_.get(), c);
      long status = 0;
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
      Done d;
      d.user = t->user;
      d.seq = t->seq;
      const bool ok_status = status >= 200 && status < 300;
      if (ok_status && (rc == CURLE_OK || rc == CURLE_WRITE_ERROR)) {
        d.attempt.kind = Attempt::Kind::Delivered;
      } else if (rc != CURLE_OK) {
        d.attempt.error = t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc);
        // A certificate the configuration does not trust is a retryable
        // failure too: the administrator may fix the CA while we retry.
        d.attempt.kind = Attempt::Kind::Retry;
      } else {
        d.attempt.error = "HTTP status " + std::to_string(status);
        const bool retry = status == 408 || status == 429 || status >= 500;
        d.attempt.kind = retry ? Attempt::Kind::Retry : Attempt::Kind::Permanent;
        if (!t->retry_after.empty()) {
          const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
          d.attempt.retry_after = parse_retry_after(t->retry_after, now);
        }
      }
      out.push_back(std::move(d));
    }
  }

  SinkOptions o_;
  std::optional<std::string> key_;
  bool plain_http_;
  std::unique_ptr<CURLM, MultiDeleter> multi_;
  std::map<CURL*, std::unique_ptr<Transfer>> transfers_;
};

}  // namespace

Result<std::unique_ptr<SinkTransport>> make_webhook_transport(const SinkOptions& o) {
  using R = Result<std::unique_ptr<SinkTransport>>;
  auto uri = methods::parse_http(o.url, true);
  if (!uri) return R::failure("url: " + uri.error());
  std::optional<std::string> key;
  if (!o.secret.empty()) {
    key = methods::webhook_key(o.secret);
    if (!key) return R::failure("secret is not whsec_<base64>");
  }
  return std::unique_ptr<SinkTransport>(
      std::make_unique<WebhookTransport>(o, std::move(key), uri->scheme == "http"));
}

}  // namespace zest::events
