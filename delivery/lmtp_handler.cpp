#include "delivery/lmtp_handler.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "base/logfmt.hpp"

namespace zest::delivery {

LmtpHandler::LmtpHandler(DeliveryAgent& agent, LmtpOptions options, const net::ConnectionInfo& info,
                         std::string id, LogFn log, metrics::ZestMetrics* metrics,
                         RcptRefusedFn on_rcpt_refused)
    : backend_(agent, false),
      session_(backend_, std::move(options), info.remote, id),
      over_limit_(info.over_limit),
      hostname_(agent.options().hostname),
      id_(std::move(id)),
      log_(std::move(log)),
      metrics_(metrics) {
  session_.set_rcpt_refused(std::move(on_rcpt_refused));
  if (metrics_) {
    metrics_->sessions.inc({"lmtp"});
    metrics_->sessions_active.add({"lmtp"}, 1);
  }
}

LmtpHandler::~LmtpHandler() {
  if (metrics_) metrics_->sessions_active.add({"lmtp"}, -1);
  if (log_) log_("event=disconnect protocol=lmtp " + base::log_field("session", id_));
}

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
                                         bool tls_available, LogFn log,
                                         metrics::ZestMetrics* metrics) {
  options.tls_available = tls_available;
  // Shared by the copies of the factory the server may make.
  auto sessions = std::make_shared<std::atomic<std::uint64_t>>(0);
  return [&agent, options = std::move(options), log = std::move(log), sessions,
          metrics](const net::ConnectionInfo& info) -> std::unique_ptr<net::LineHandler> {
    const std::string id = std::to_string(::getpid()) + "-" + std::to_string(++*sessions);
    if (log)
      log("event=connect protocol=lmtp " + base::log_field("session", id) + " " +
          base::log_field("remote", info.remote));
    auto refused = [log, id, remote = info.remote, metrics](std::string_view rcpt,
                                                            const LmtpReply& r) {
      if (metrics) metrics->rcpt_refusals.inc({std::to_string(r.code)});
      if (log)
        log("event=rcpt-refused " + base::log_field("session", id) + " " +
            base::log_field("remote", remote) + " " + base::log_field("rcpt", rcpt) +
            " code=" + std::to_string(r.code) + " " +
            base::log_field("reason", r.enhanced.empty() ? r.text : r.enhanced + " " + r.text));
    };
    return std::make_unique<LmtpHandler>(agent, options, info, id, log, metrics,
                                         std::move(refused));
  };
}

}  // namespace zest::delivery
