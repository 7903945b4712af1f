#include "delivery/lmtp_delivery.hpp"

#include "base/date.hpp"

namespace zest::delivery {

std::string received_field(std::string_view helo, std::string_view remote,
                           std::string_view hostname, bool tls, std::string_view id,
                           std::string_view rcpt) {
  std::string f = "Received: from " + std::string(helo.empty() ? "unknown" : helo);
  if (!remote.empty()) f += " (" + std::string(remote) + ")";
  f += "\n\tby " + std::string(hostname) + " (zestd) with " + (tls ? "LMTPS" : "LMTP");
  f += " id " + std::string(id) + "\n\tfor <" + std::string(rcpt) + ">; " +
       base::rfc5322_date_now(base::Zone::local) + "\n";
  return f;
}

namespace {

// The database could not answer: try again later, never "unknown user".
// A name the path templates refuse ("../x"): permanently.
LmtpReply lookup_failure(std::string_view rcpt, const store::LookupError& e) {
  if (e.temporary)
    return {451, "4.3.0", "<" + std::string(rcpt) + "> Temporary user lookup failure"};
  return {550, "5.1.3", "<" + std::string(rcpt) + "> User name not usable in a path"};
}

}  // namespace

LmtpReply AgentLmtpBackend::check_recipient(std::string_view rcpt) {
  auto found = agent_.lookup(rcpt);
  if (!found) return lookup_failure(rcpt, found.error());
  if (!found.value()) return {550, "5.1.1", "<" + std::string(rcpt) + "> User unknown"};
  return {250, "2.1.5", "<" + std::string(rcpt) + "> OK"};
}

LmtpReply AgentLmtpBackend::deliver(LmtpTransaction& tx, std::size_t index) {
  const std::string& rcpt = tx.rcpts[index];
  auto found = agent_.lookup(rcpt);
  if (!found) return lookup_failure(rcpt, found.error());
  if (!found.value()) return {550, "5.1.1", "<" + rcpt + "> User unknown"};
  DeliveryRequest req;
  req.from = tx.from;
  req.rcpt = rcpt;
  if (index < tx.orig_rcpts.size()) req.orig_rcpt = tx.orig_rcpts[index];
  req.message = tx.data;
  // The last recipient's delivery may take the buffer (the session resets
  // the transaction after it).
  if (index + 1 == tx.rcpts.size()) req.message_buffer = &tx.data;
  req.session = tx.session;
  req.trace = received_field(tx.helo, tx.remote, agent_.options().hostname, tls_, tx.session, rcpt);
  const Outcome o = agent_.deliver(*found.value(), req);
  return {o.code, o.enhanced, o.text};
}

}  // namespace zest::delivery
