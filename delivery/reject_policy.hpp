// Which reject is answered in the protocol rather than by a bounce: an
// ereject always (RFC 5429 §2.1), a reject when [lmtp] reject = "protocol".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "interp/actions.hpp"

namespace zest::delivery {

enum class RejectMode { Protocol, Bounce };

// Takes the reject answered in the protocol out of `list`, if there is
// one: the other actions stay (re-added, so the RFC 5228 rules still
// apply), and without the implicit keep the message is discarded.
std::optional<interp::RejectAction> take_protocol_reject(interp::ActionList& list, RejectMode mode,
                                                         const interp::ActionLimits& limits);

// A reject reason as reply text: ASCII only (RFC 5429 §2.1.1), lines kept
// short enough for the 512-octet reply limit.
std::string reject_text(std::string_view reason);

}  // namespace zest::delivery
