// Connects the LMTP state machine to the delivery agent: RCPT-time user
// lookup and per-recipient delivery with the trace fields of RFC 5321 §4.4.
#pragma once

#include "delivery/agent.hpp"
#include "delivery/lmtp_session.hpp"

namespace zest::delivery {

class AgentLmtpBackend final : public LmtpBackend {
 public:
  AgentLmtpBackend(DeliveryAgent& agent, bool tls) : agent_(agent), tls_(tls) {}
  LmtpReply check_recipient(std::string_view rcpt) override;
  LmtpReply deliver(LmtpTransaction& tx, std::size_t index) override;
  void set_tls(bool on) { tls_ = on; }

 private:
  DeliveryAgent& agent_;
  bool tls_;
};

// "Received: from ... by ... with LMTP id ... for <rcpt>; date" (LF ends).
std::string received_field(std::string_view helo, std::string_view remote,
                           std::string_view hostname, bool tls, std::string_view id,
                           std::string_view rcpt);

}  // namespace zest::delivery
