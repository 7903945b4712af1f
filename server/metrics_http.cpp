#include "server/metrics_http.hpp"

#include <chrono>

namespace zest::server {
namespace {

constexpr std::size_t kMaxHeaderLines = 64;

std::string response(std::string_view status, std::string_view type, const std::string& body,
                     bool head = false, std::string_view extra = {}) {
  std::string out = "HTTP/1.1 " + std::string(status) + "\r\n";
  out += "Content-Type: " + std::string(type) + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += extra;
  out += "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
  if (!head) out += body;
  return out;
}

std::string plain(std::string_view status, const std::string& body, bool head = false,
                  std::string_view extra = {}) {
  return response(status, "text/plain; charset=utf-8", body, head, extra);
}

class HttpHandler final : public net::LineHandler {
 public:
  HttpHandler(const metrics::Registry& registry, metrics::ZestMetrics& counts,
              const HealthCheck& health, bool over_limit)
      : registry_(registry), counts_(counts), health_(health), over_limit_(over_limit) {}

  net::Output greeting() override {
    if (over_limit_) return {plain("503 Service Unavailable", "too many connections\n"), true};
    return {};
  }
  net::Output on_line(std::string_view line, bool) override {
    if (request_.empty()) {
      if (line.empty()) return {};  // RFC 9112 §2.2: empty lines before the request
      request_ = std::string(line);
      return {};
    }
    if (!line.empty()) {
      if (++headers_ > kMaxHeaderLines)
        return {plain("431 Request Header Fields Too Large", "too many header lines\n"), true};
      return {};
    }
    net::Output o;
    o.work = true;  // the exposition reads the outbox: off the I/O thread
    return o;
  }
  net::Output on_overlong_line() override {
    return {plain("431 Request Header Fields Too Large", "line too long\n"), true};
  }
  net::Output on_timeout() override { return {plain("408 Request Timeout", "timeout\n"), true}; }
  net::Output work() override {
    net::Output o;
    o.bytes = metrics_http_response(
        request_,
        [this] {
          counts_.scrapes.inc();
          return registry_.render();
        },
        health_);
    o.close = true;
    return o;
  }
  void on_tls_started() override {}
  std::chrono::seconds timeout() const override { return std::chrono::seconds(10); }

 private:
  const metrics::Registry& registry_;
  metrics::ZestMetrics& counts_;
  const HealthCheck& health_;
  bool over_limit_;
  std::string request_;
  std::size_t headers_ = 0;
};

}  // namespace

std::string metrics_http_response(std::string_view request_line,
                                  const std::function<std::string()>& metrics_body,
                                  const HealthCheck& health) {
  // "METHOD SP target SP HTTP/x.y"
  const auto sp1 = request_line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos ||
      !request_line.substr(sp2 + 1).starts_with("HTTP/1."))
    return plain("400 Bad Request", "bad request line\n");
  const std::string_view method = request_line.substr(0, sp1);
  std::string_view target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  target = target.substr(0, target.find('?'));
  const bool head = method == "HEAD";
  if (target != "/metrics" && target != "/health") return plain("404 Not Found", "not found\n");
  if (method != "GET" && !head)
    return plain("405 Method Not Allowed", "GET or HEAD\n", false, "Allow: GET, HEAD\r\n");
  if (target == "/health") {
    const std::string why = health ? health() : std::string();
    if (!why.empty()) return plain("503 Service Unavailable", why + "\n", head);
    return plain("200 OK", "ok\n", head);
  }
  return response("200 OK", "text/plain; version=0.0.4; charset=utf-8", metrics_body(), head);
}

net::ServerOptions metrics_server_options() {
  net::ServerOptions o;
  o.max_line = 8192;
  o.max_connections = 16;
  o.workers = 1;
  return o;
}

net::HandlerFactory metrics_http_factory(const metrics::Registry& registry,
                                         metrics::ZestMetrics& counts, HealthCheck health) {
  auto shared = std::make_shared<HealthCheck>(std::move(health));
  return [&registry, &counts, shared](const net::ConnectionInfo& info) {
    return std::make_unique<HttpHandler>(registry, counts, *shared, info.over_limit);
  };
}

}  // namespace zest::server
