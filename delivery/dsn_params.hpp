// The DSN parameters of MAIL and RCPT (RFC 3461 §4) as an LMTP server
// meets them: syntax checks, and the original recipient that ORCPT names.
// zestd sends no DSN itself; the LMTP client builds them from its replies.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace zest::delivery {

// RFC 3461 §4: xtext ("+" followed by two hex digits stands for one byte;
// the other characters are printable ASCII except "+" and "="). nullopt when
// malformed.
std::optional<std::string> decode_xtext(std::string_view xtext);

// ORCPT=addr-type;xtext. The decoded address for addr-type rfc822, "" for
// another addr-type (accepted, not used); nullopt when malformed.
std::optional<std::string> parse_orcpt(std::string_view value);

// NOTIFY=NEVER or a comma list of SUCCESS, FAILURE, DELAY (each once).
bool valid_notify(std::string_view value);
// RET=FULL or RET=HDRS.
bool valid_ret(std::string_view value);

}  // namespace zest::delivery
