// Standard Webhooks signing, the one signer of the https notifications
// (docs/http-notify.md) and the event webhook sinks (docs/events.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zest::transport {

// "whsec_<base64>" (or plain base64) to the key bytes; nullopt when not base64.
std::optional<std::string> webhook_key(std::string_view secret);

// "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>".
std::string webhook_signature(std::string_view key, std::string_view id, std::int64_t timestamp,
                              std::string_view body);

}  // namespace zest::transport
