// The real carrier of the notification outbox: mail (mailto notifications,
// vacation replies) by SMTP submission, xmpp with the service account,
// https through the HTTP client with the SSRF guard and the signature of
// docs/http-notify.md. One attempt per call; the NotifySender retries.
#pragma once

#include <memory>

#include "events/notify_sender.hpp"
#include "transport/notify_transport.hpp"
#include "transport/smtp_submit.hpp"

namespace zest::events {

// `config` and `mail` must outlive the carrier.
std::unique_ptr<NotifyCarrier> make_network_carrier(const transport::NotifyConfig& config,
                                                    transport::MailSender& mail);

// How one HTTP answer counts: delivered, retried (network errors, 408,
// 429, 5xx, with the receiver's Retry-After) or permanent (other 4xx,
// refused certificates and URLs).
Attempt http_attempt(const transport::PostResult& r, std::int64_t now_seconds);

}  // namespace zest::events
