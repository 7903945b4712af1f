// https notifications: one signed POST through the HTTP client, the SSRF
// guard on (resolve once, refuse internal addresses unless allowed, pin
// the checked address), bounded retries with the same webhook-id.
#include <chrono>
#include <thread>

#include "transport/http_client.hpp"
#include "transport/notify_transport.hpp"
#include "transport/webhook_signature.hpp"

namespace zest::transport {

Status send_http_notification(const HttpPayload& p, const HttpOptions& options, bool allow_http) {
  EndpointPolicy policy;
  policy.allow_http = allow_http;
  policy.allow = options.allow;
  auto endpoint = http_endpoint(p.url, policy);
  if (!endpoint) return Status::failure(endpoint.error());
  HttpSettings settings;
  settings.ca_file = options.ca_file;
  settings.timeout_seconds = options.timeout_seconds;
  if (!options.secret.empty()) {
    settings.key = webhook_key(options.secret);
    if (!settings.key) return Status::failure("invalid [notify.http] secret");
  }
  auto formatted =
      format_request(p, target_for(options.targets, p.url), "", {options.format, options.source});
  if (!formatted) return Status::failure(formatted.error());
  const WebhookRequest request = std::move(formatted.value());
  std::string last_error;
  long delay = options.retry_delay_ms;
  for (int attempt = 1; attempt <= std::max(1, options.max_attempts); ++attempt) {
    const PostResult r = HttpPost(*endpoint, request, settings).perform();
    if (r.delivered) return Status::success();
    last_error = "POST " + p.url + ": " +
                 (r.transfer_error ? *r.transfer_error : "HTTP status " + std::to_string(r.status));
    const bool retry = r.transfer_error ? !r.permanent_transfer_error : r.retryable_status();
    if (!retry) return Status::failure(last_error);
    if (attempt < options.max_attempts) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      delay *= 2;
    }
  }
  return Status::failure(last_error + " (gave up after " + std::to_string(options.max_attempts) +
                         " attempts)");
}

}  // namespace zest::transport
