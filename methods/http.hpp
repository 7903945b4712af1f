// The https notification method: the URI and the JSON document of a
// webhook (docs/http-notify.md). Signing, the SSRF guard and sending are
// transport's (transport/http_client.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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

}  // namespace zest::methods
