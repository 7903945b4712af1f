// Signed webhook delivery with libcurl: resolve once, refuse internal
// addresses unless allowed, pin the checked address for the connection
// (no DNS rebinding), no redirects, TLS verification, bounded retries with
// the same webhook-id.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "transport/notify_transport.hpp"

namespace zest::transport {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct AddrinfoDeleter {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

void append(Slist& list, const std::string& line) {
  curl_slist* l = curl_slist_append(list.get(), line.c_str());
  if (l) {
    (void)list.release();
    list.reset(l);
  }
}

std::size_t discard(char*, std::size_t size, std::size_t n, void* user) {
  // Read at most 64 KiB of any answer; we only need the status.
  auto* total = static_cast<std::size_t*>(user);
  *total += size * n;
  return *total > 65536 ? 0 : size * n;
}

std::string ip_text(const std::array<std::uint8_t, 16>& ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(ip.data(), kMapped, 12) == 0) {
    inet_ntop(AF_INET, ip.data() + 12, buf, sizeof buf);
    return buf;
  }
  inet_ntop(AF_INET6, ip.data(), buf, sizeof buf);
  return std::string("[") + buf + "]";
}

// The first resolved address we may contact, or an error.
Result<std::string> resolve_checked(const methods::HttpUri& u, const std::vector<Cidr>& allow) {
  using R = Result<std::string>;
  if (auto ip = methods::parse_ip(u.host)) {
    if (!methods::address_permitted(*ip, allow))
      return R::failure("refused: " + u.host +
                        " is an internal address (not in [notify.http] allow)");
    return ip_text(*ip);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = getaddrinfo(u.host.c_str(), nullptr, &hints, &res); rc != 0)
    return R::failure("cannot resolve " + u.host + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, AddrinfoDeleter> guard(res);
  std::string refused;
  for (addrinfo* a = res; a; a = a->ai_next) {
    std::array<std::uint8_t, 16> ip{};
    if (a->ai_family == AF_INET) {
      ip[10] = ip[11] = 0xff;
      std::memcpy(ip.data() + 12, &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr, 4);
    } else if (a->ai_family == AF_INET6) {
      std::memcpy(ip.data(), &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    // Every address must be public: a name that also resolves to an
    // internal one is refused as a whole (split-horizon tricks).
    if (!methods::address_permitted(ip, allow)) {
      refused = ip_text(ip);
      continue;
    }
    if (refused.empty()) return ip_text(ip);
  }
  return R::failure("refused: " + u.host + " resolves to internal address " + refused +
                    " (not in [notify.http] allow)");
}

bool retryable(CURLcode rc, long status) {
  if (rc != CURLE_OK)
    return rc != CURLE_SSL_CACERT && rc != CURLE_PEER_FAILED_VERIFICATION &&
           rc != CURLE_UNSUPPORTED_PROTOCOL && rc != CURLE_URL_MALFORMAT;
  return status == 408 || status == 429 || status >= 500;
}

}  // namespace

Error send_http_notification(const HttpPayload& p, const HttpOptions& options, bool allow_http) {
  auto uri = methods::parse_http(p.url, allow_http);
  if (!uri) return uri.error();
  auto ip = resolve_checked(*uri, options.allow);
  if (!ip) return ip.error();
  std::optional<std::string> key;
  if (!options.secret.empty()) {
    key = methods::webhook_key(options.secret);
    if (!key) return "invalid [notify.http] secret";
  }
  const std::string pin = uri->host + ":" + std::to_string(uri->port) + ":" + *ip;
  std::string last_error;
  long delay = options.retry_delay_ms;
  for (int attempt = 1; attempt <= std::max(1, options.max_attempts); ++attempt) {
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) return "curl_easy_init failed";
    CURL* c = curl.get();
    Slist resolve, headers;
    append(resolve, pin);
    for (const auto& h : p.headers) append(headers, h.name + ": " + h.value);
    const std::int64_t ts = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
    append(headers, "webhook-id: " + p.event_id);
    append(headers, "webhook-timestamp: " + std::to_string(ts));
    if (key)
      append(headers, "webhook-signature: " + methods::webhook_signature(*key, p.event_id, ts, p.body));
    append(headers, "Expect:");
    char errbuf[CURL_ERROR_SIZE] = {};
    std::size_t received = 0;
    curl_easy_setopt(c, CURLOPT_URL, p.url.c_str());
    curl_easy_setopt(c, CURLOPT_RESOLVE, resolve.get());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, allow_http ? "http,https" : "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");  // a proxy would bypass the address check
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, std::min(options.timeout_seconds, 5L));
    curl_easy_setopt(c, CURLOPT_TIMEOUT, options.timeout_seconds);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, p.body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(p.body.size()));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &received);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    const CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_WRITE_ERROR && status >= 200 && status < 300) return std::nullopt;
    if (rc == CURLE_OK && status >= 200 && status < 300) return std::nullopt;
    last_error = rc != CURLE_OK ? std::string("POST ") + p.url + ": " +
                                      (errbuf[0] ? errbuf : curl_easy_strerror(rc))
                                : "POST " + p.url + ": HTTP status " + std::to_string(status);
    if (!retryable(rc, status)) return last_error;
    if (attempt < options.max_attempts) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      delay *= 2;
    }
  }
  return last_error + " (gave up after " + std::to_string(options.max_attempts) + " attempts)";
}

}  // namespace zest::transport
