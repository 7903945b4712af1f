// zestd's ManageSieve service: the RFC 5804 session (manage-sieve/) on its
// own net::LineServer and I/O thread, over the script store delivery reads.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>

#include "base/result.hpp"
#include "config/server_config.hpp"
#include "net/line_server.hpp"
#include "server/runtime.hpp"

namespace zest::server {

class ManageSieveService {
 public:
  ManageSieveService(const config::ServerConfig& cfg, DeliveryStack& stack, Logger& log);
  ~ManageSieveService();  // stops and joins
  ManageSieveService(const ManageSieveService&) = delete;
  ManageSieveService& operator=(const ManageSieveService&) = delete;

  // Binds the endpoints and serves on a thread of its own.
  Result<bool> start(std::span<const net::Endpoint> endpoints);
  // start() in two steps, so that zestd can drop privileges in between.
  Result<bool> listen(std::span<const net::Endpoint> endpoints);
  void serve();
  // See net::LineServer::drain and reload_tls; stop() still joins.
  void drain(std::chrono::seconds timeout);
  Result<bool> reload_tls(const std::string& cert, const std::string& key);
  std::uint16_t bound_port(std::size_t i) const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zest::server
