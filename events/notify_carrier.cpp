#include "events/notify_carrier.hpp"

#include <chrono>

#include "events/notification.hpp"
#include "transport/http_client.hpp"
#include "transport/webhook_signature.hpp"

namespace zest::events {
namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Attempt retry(std::string error) {
  Attempt a;
  a.kind = Attempt::Kind::Retry;
  a.error = std::move(error);
  return a;
}

Attempt permanent(std::string error) {
  Attempt a;
  a.kind = Attempt::Kind::Permanent;
  a.error = std::move(error);
  return a;
}

class NetworkCarrier final : public NotifyCarrier {
 public:
  NetworkCarrier(const transport::NotifyConfig& config, transport::MailSender& mail)
      : config_(config), mail_(mail) {}

  Attempt send(const Delivery& d) override {
    auto item = outgoing_from(d.event.data);
    if (!item) return permanent(item.error());
    if (const auto* m = std::get_if<methods::MailPayload>(&item->payload)) return mail(*m);
    if (const auto* x = std::get_if<methods::XmppPayload>(&item->payload)) {
      if (config_.xmpp.jid.empty()) return retry("xmpp notifications are not configured");
      auto s = transport::send_xmpp_notification(*x, config_.xmpp);
      return s ? Attempt{Attempt::Kind::Delivered, std::nullopt, ""} : retry(s.error());
    }
    return http(std::get<methods::HttpPayload>(item->payload), item->imap_url, d.event.sequence);
  }

 private:
  Attempt mail(const methods::MailPayload& m) {
    for (const auto& rcpt : m.rcpts)
      if (auto s = mail_.send(m.envelope_from, rcpt, m.message); !s) return retry(s.error());
    return {Attempt::Kind::Delivered, std::nullopt, ""};
  }

  Attempt http(const methods::HttpPayload& p, const std::string& imap_url, std::int64_t seq) {
    transport::EndpointPolicy policy;
    policy.allow_http = config_.policy.allow_http;
    policy.allow = config_.http.allow;
    auto endpoint = transport::http_endpoint(p.url, policy);
    if (!endpoint) {
      // A name that does not resolve now may later; a refused address or
      // a malformed URL stays refused.
      if (endpoint.error().starts_with("cannot resolve")) return retry(endpoint.error());
      return permanent(endpoint.error());
    }
    transport::HttpSettings settings;
    settings.ca_file = config_.http.ca_file;
    settings.timeout_seconds = config_.http.timeout_seconds;
    if (!config_.http.secret.empty()) {
      settings.key = transport::webhook_key(config_.http.secret);
      if (!settings.key) return retry("invalid [notify.http] secret");
    }
    // The format of the [[notify.http.target]] the URL falls under.
    auto request =
        transport::format_request(p, transport::target_for(config_.http.targets, p.url), imap_url,
                                  {config_.http.format, config_.http.source, seq});
    if (!request) return permanent(request.error());
    return http_attempt(
        transport::HttpPost(*endpoint, std::move(request.value()), settings).perform(), unix_now());
  }

  const transport::NotifyConfig& config_;
  transport::MailSender& mail_;
};

}  // namespace

Attempt http_attempt(const transport::PostResult& r, std::int64_t now_seconds) {
  Attempt a;
  if (r.delivered) {
    a.kind = Attempt::Kind::Delivered;
  } else if (r.transfer_error) {
    a.error = *r.transfer_error;
    a.kind = r.permanent_transfer_error ? Attempt::Kind::Permanent : Attempt::Kind::Retry;
  } else {
    a.error = "HTTP status " + std::to_string(r.status);
    a.kind = r.retryable_status() ? Attempt::Kind::Retry : Attempt::Kind::Permanent;
    if (!r.retry_after.empty()) a.retry_after = parse_retry_after(r.retry_after, now_seconds);
  }
  return a;
}

std::unique_ptr<NotifyCarrier> make_network_carrier(const transport::NotifyConfig& config,
                                                    transport::MailSender& mail) {
  return std::make_unique<NetworkCarrier>(config, mail);
}

}  // namespace zest::events
