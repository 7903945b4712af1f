// The https notification method: a signed JSON webhook (docs/http-notify.md),
// and the pure parts of its transport: Standard Webhooks signing and the
// address classification that blocks server-side request forgery.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "methods/method.hpp"

namespace zest::methods {

struct HttpUri {
  std::string scheme;  // "https" or "http"
  std::string host;    // lower-cased; IPv6 without brackets
  std::uint16_t port = 443;
  std::string path_query;  // "/..." with the query, as written
};

Result<HttpUri> parse_http(std::string_view uri, bool allow_http);
std::unique_ptr<Method> make_http_method(bool allow_http);
// The same method under the http: scheme (only where configured).
std::unique_ptr<Method> make_plain_http_method();

// The JSON document sent for one notification (docs/http-notify.md).
std::string http_notification_json(const NotifyRequest& req, const Trigger& trigger,
                                   std::string_view event_id);

// Standard Webhooks: "whsec_<base64>" (or plain base64) to key bytes.
std::optional<std::string> webhook_key(std::string_view secret);
// "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>".
std::string webhook_signature(std::string_view key, std::string_view id, std::int64_t timestamp,
                              std::string_view body);

// An IP network "10.0.0.0/8", "::1/128", "127.0.0.1" (a host).
struct Cidr {
  std::array<std::uint8_t, 16> addr{};  // IPv4 as ::ffff:a.b.c.d
  unsigned prefix = 128;
};
std::optional<Cidr> parse_cidr(std::string_view text);
// 16-byte form of a textual address (IPv4 mapped), nullopt when not an IP.
std::optional<std::array<std::uint8_t, 16>> parse_ip(std::string_view text);
// Loopback, private, link-local (incl. cloud metadata 169.254.169.254),
// unique-local, multicast, unspecified, CGNAT, reserved.
bool is_internal_address(const std::array<std::uint8_t, 16>& ip);
// Whether a resolved address may be contacted: not internal, or in `allow`.
bool address_permitted(const std::array<std::uint8_t, 16>& ip, const std::vector<Cidr>& allow);

}  // namespace zest::methods
