// [metrics] listen: a small HTTP/1.1 responder on net::LineServer for
// Prometheus. GET (or HEAD) /metrics answers the registry's text
// exposition, /health "ok" (or 503 with the reason); anything else 404/405.
// One request per connection (Connection: close), request line and
// headers bounded (8 KiB a line, 64 header lines), 10 s to send them.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "metrics/registry.hpp"
#include "metrics/zest_metrics.hpp"
#include "net/line_server.hpp"

namespace zest::server {

// "" = healthy; otherwise why not (answered with 503).
using HealthCheck = std::function<std::string()>;

net::HandlerFactory metrics_http_factory(const metrics::Registry& registry,
                                         metrics::ZestMetrics& counts, HealthCheck health);

// The options of the metrics listener (bounded lines, few connections).
net::ServerOptions metrics_server_options();

// The answer to one request line (exposed for tests): status line,
// headers and body.
std::string metrics_http_response(std::string_view request_line,
                                  const std::function<std::string()>& metrics_body,
                                  const HealthCheck& health);

}  // namespace zest::server
