// One LMTP connection as net/'s line server drives it: the LMTP state
// machine over the delivery agent (AgentLmtpBackend), and the factory
// zestd's LMTP listener makes them with.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "delivery/agent.hpp"
#include "delivery/lmtp_delivery.hpp"
#include "delivery/lmtp_session.hpp"
#include "net/line_server.hpp"

namespace zest::delivery {

class LmtpHandler final : public net::LineHandler {
 public:
  // `log` (may be empty) gets the disconnect line; `metrics` (may be null)
  // counts the session.
  LmtpHandler(DeliveryAgent& agent, LmtpOptions options, const net::ConnectionInfo& info,
              std::string id, LogFn log = {}, metrics::ZestMetrics* metrics = nullptr,
              RcptRefusedFn on_rcpt_refused = {});
  ~LmtpHandler() override;
  LmtpHandler(const LmtpHandler&) = delete;
  LmtpHandler& operator=(const LmtpHandler&) = delete;

  net::Output greeting() override;
  net::Output on_line(std::string_view line, bool crlf) override {
    return session_.on_line(line, crlf);
  }
  net::Output on_overlong_line() override { return session_.on_overlong_line(); }
  net::Output on_timeout() override { return session_.on_timeout(); }
  net::Output work() override { return session_.deliver_next(); }
  void on_tls_started() override;
  std::chrono::seconds timeout() const override { return session_.timeout(); }

 private:
  AgentLmtpBackend backend_;
  LmtpSession session_;
  bool over_limit_;
  std::string hostname_;
  std::string id_;
  LogFn log_;
  metrics::ZestMetrics* metrics_;
};

// Handlers for the connections of one listener: session ids "<pid>-<n>",
// STARTTLS offered when `tls_available`, "event=connect", "rcpt-refused"
// and "disconnect" lines, counted in `metrics` unless it is null.
net::HandlerFactory lmtp_handler_factory(DeliveryAgent& agent, LmtpOptions options,
                                         bool tls_available, LogFn log,
                                         metrics::ZestMetrics* metrics = nullptr);

}  // namespace zest::delivery
