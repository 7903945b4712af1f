// Line ends: messages arrive with CRLF (SMTP, an MTA's pipe) and are kept
// with LF inside zest.
#pragma once

#include <string>
#include <string_view>

namespace zest::base {

// Every CRLF becomes LF; a lone CR stays.
std::string crlf_to_lf(std::string_view s);

// Every line end, CRLF, bare LF or bare CR, becomes LF. The LDA reads its
// message through this: a bare CR is a line end to every converter zest
// has (to_crlf), so it must be one before anything is parsed or copied
// out of the message, or a CR inside a header value (Message-ID copied
// into In-Reply-To) turns into a header break later.
std::string normalize_line_ends(std::string_view s);

}  // namespace zest::base
