// server/metrics_http: the answers of the metrics endpoint.
#include <gtest/gtest.h>

#include "server/metrics_http.hpp"

namespace zest::server {
namespace {

std::string answer(std::string_view request, std::string health = "") {
  return metrics_http_response(
      request, [] { return std::string("m_total 1\n"); }, [health] { return health; });
}

TEST(MetricsHttp, MetricsInTextFormat) {
  const auto r = answer("GET /metrics HTTP/1.1");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_NE(r.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_NE(r.find("Content-Length: 10\r\n"), std::string::npos);
  EXPECT_NE(r.find("Connection: close\r\n"), std::string::npos);
  EXPECT_TRUE(r.ends_with("\r\n\r\nm_total 1\n"));
  EXPECT_TRUE(answer("GET /metrics?x=1 HTTP/1.0").starts_with("HTTP/1.1 200 OK\r\n"));
}

TEST(MetricsHttp, HeadHasNoBody) {
  const auto r = answer("HEAD /metrics HTTP/1.1");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_TRUE(r.ends_with("\r\n\r\n"));
}

TEST(MetricsHttp, Health) {
  EXPECT_TRUE(answer("GET /health HTTP/1.1").ends_with("\r\n\r\nok\n"));
  const auto bad = answer("GET /health HTTP/1.1", "event outbox: disk I/O error");
  EXPECT_TRUE(bad.starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
  EXPECT_TRUE(bad.ends_with("event outbox: disk I/O error\n"));
}

TEST(MetricsHttp, OtherRequests) {
  EXPECT_TRUE(answer("GET / HTTP/1.1").starts_with("HTTP/1.1 404 "));
  EXPECT_TRUE(answer("GET /metricsx HTTP/1.1").starts_with("HTTP/1.1 404 "));
  const auto post = answer("POST /metrics HTTP/1.1");
  EXPECT_TRUE(post.starts_with("HTTP/1.1 405 "));
  EXPECT_NE(post.find("Allow: GET, HEAD\r\n"), std::string::npos);
  EXPECT_TRUE(answer("GET /metrics").starts_with("HTTP/1.1 400 "));
  EXPECT_TRUE(answer("garbage").starts_with("HTTP/1.1 400 "));
  EXPECT_TRUE(answer("GET /metrics SMTP/1.0").starts_with("HTTP/1.1 400 "));
}

}  // namespace
}  // namespace zest::server
