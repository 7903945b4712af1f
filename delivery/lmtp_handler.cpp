#include "delivery/lmtp_handler.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "base/logfmt.hpp"

namespace zest::delivery {

LmtpHandler::LmtpHandler(DeliveryAgent& agent, LmtpOptions options, const net::ConnectionInfo& info,
                         std::string id)
    : backend_(agent, false),
      session_(backend_, std::move(options), info.remote, std::move(id)),
      over_limit_(info.over_limit),
      hostname_(agent.options().hostname) {}

net::Output LmtpHandler::greeting() {
  if (over_limit_)
    return {"421 4.3.2 " + hostname_ + " Too many connections, try again later\r\n", true};
  return session_.greeting();
}

void LmtpHandler::on_tls_started() {
  backend_.set_tls(true);
  session_.tls_started();
}

net::HandlerFactory lmtp_handler_factory(DeliveryAgent& agent, LmtpOptions options,
                                         bool tls_available, LogFn log) {
  options.tls_available = tls_available;
  // Shared by the copies of the factory the server may make.
  auto sessions = std::make_shared<std::atomic<std::uint64_t>>(0);
  return [&agent, options = std::move(options), log = std::move(log),
          sessions](const net::ConnectionInfo& info) -> std::unique_ptr<net::LineHandler> {
    const std::string id = std::to_string(::getpid()) + "-" + std::to_string(++*sessions);
    log("event=connect " + base::log_field("session", id) + " " +
        base::log_field("remote", info.remote));
    return std::make_unique<LmtpHandler>(agent, options, info, id);
  };
}

}  // namespace zest::delivery
