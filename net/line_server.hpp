// Listeners (TCP and Unix sockets) and line-oriented sessions over plain or
// TLS streams, with a hard bound on line length and per-state timeouts.
// Knows no protocol: a LineHandler says what to answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "net/output.hpp"

namespace zest::net {

struct Endpoint {
  enum class Kind { Tcp, Unix };
  Kind kind = Kind::Tcp;
  std::string host;  // Tcp
  std::uint16_t port = 0;
  std::string path;  // Unix
  std::string to_string() const;
};
// "127.0.0.1:2424", "[::1]:24", "localhost:24", "unix:/run/zest/lmtp"
Result<Endpoint> parse_endpoint(std::string_view spec);

class LineHandler {
 public:
  virtual ~LineHandler() = default;
  virtual Output greeting() = 0;
  virtual Output on_line(std::string_view line, bool crlf) = 0;
  virtual Output on_overlong_line() = 0;
  virtual Output on_timeout() = 0;
  // Blocking work (e.g. delivery), run off the I/O thread; its bytes are
  // written before the next call.
  virtual Output work() = 0;
  virtual void on_tls_started() = 0;
  // Counted literals (see Output::read_literal); the octets, or "" if discarded.
  virtual Output on_literal(std::string_view) { return {}; }
  // Written right after the TLS handshake (ManageSieve re-sends capabilities).
  virtual Output tls_greeting() { return {}; }
  virtual std::chrono::seconds timeout() const = 0;
};

struct ConnectionInfo {
  std::uint64_t id = 0;
  std::string remote;  // "1.2.3.4:5678" or "unix"
  bool tls_available = false;
  bool over_limit = false;  // too many connections: answer and close
};

using HandlerFactory = std::function<std::unique_ptr<LineHandler>(const ConnectionInfo&)>;
using NetLog = std::function<void(std::string_view line)>;

// The default TLS 1.2 ciphers: forward-secret key exchange (ECDHE, DHE)
// with AEAD only; no static-RSA key exchange, no CBC (issue 15.7).
inline constexpr const char* kModernCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

struct ServerOptions {
  std::size_t max_line = 64 * 1024;  // longer lines are dropped and reported
  std::size_t max_connections = 256;
  std::size_t workers = 4;
  std::string tls_cert, tls_key;  // PEM files; both empty = no TLS
  // [tls] min_protocol ("TLSv1.2" or "TLSv1.3") and ciphers (an OpenSSL
  // cipher list for TLS 1.2; TLS 1.3 suites are OpenSSL's, all AEAD).
  std::string tls_min_protocol = "TLSv1.2";
  std::string tls_ciphers;  // "" = kModernCiphers
};

class LineServer {
 public:
  LineServer(ServerOptions options, HandlerFactory factory, NetLog log);
  ~LineServer();
  LineServer(const LineServer&) = delete;
  LineServer& operator=(const LineServer&) = delete;

  // Binds every endpoint (a stale Unix socket file is replaced).
  Result<bool> listen(std::span<const Endpoint> endpoints);
  // Serves until stop() or SIGINT/SIGTERM (when handle_signals).
  void run(bool handle_signals);
  void stop();  // thread-safe
  // Graceful stop (thread-safe): closes the listeners at once, lets open
  // sessions finish, and stops run() when the last one ends or `timeout`
  // has passed, whichever comes first.
  void drain(std::chrono::seconds timeout);
  // Loads a new certificate and key (thread-safe); connections that start
  // TLS afterwards use them, established ones keep theirs. On failure the
  // current ones stay.
  Result<bool> reload_tls(const std::string& cert, const std::string& key);
  bool tls_available() const;
  // The TCP port actually bound for endpoint `i` (for port 0).
  std::uint16_t bound_port(std::size_t i) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zest::net
