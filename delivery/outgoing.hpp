// Messages the executor sends on behalf of a Sieve result: vacation
// replies (RFC 5230, RFC 3834) and abuse reports (vnd.dovecot.report,
// RFC 5965). Pure functions of the delivery context: no I/O.
#pragma once

#include <optional>
#include <string>

#include "delivery/executor.hpp"
#include "interp/actions.hpp"
#include "methods/method.hpp"

namespace zest::delivery {

struct OutgoingMail {
  std::string envelope_from;  // "" = null sender
  std::string rcpt;
  std::string message;
};

struct VacationReply {
  OutgoingMail mail;
  std::string tracking_id;  // whom we answered, for which handle
};

// The reply of a vacation action, or nullopt with the reason in `why`
// when none may be sent (null or robot sender, mailing list, automatic
// message, the user not among the recipients, the user's own address).
// Whether this sender was answered recently is the caller's check.
std::optional<VacationReply> vacation_reply(const DeliveryContext& ctx,
                                            const interp::VacationAction& v, std::string& why);

// The RFC 5965 feedback report of a report action.
OutgoingMail report_message(const DeliveryContext& ctx, const interp::ReportAction& r);

// The copy of a sent notification that notify :fcc files (RFC 8580 §5):
// the notification message itself for mailto; for xmpp and https, which
// send no mail, a text/plain message (From the user, To the method URI,
// Subject the notification subject, Auto-Submitted: auto-notified) whose
// body is the stanza text or the JSON payload.
std::string notification_copy(const methods::Payload& sent, const interp::NotifyAction& n,
                              std::string_view user, std::time_t now);

}  // namespace zest::delivery
