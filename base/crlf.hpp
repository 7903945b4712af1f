// Line ends: messages arrive with CRLF (SMTP, an MTA's pipe) and are kept
// with LF inside zest.
#pragma once

#include <string>
#include <string_view>

namespace zest::base {

// Every CRLF becomes LF; a lone CR stays.
std::string crlf_to_lf(std::string_view s);

}  // namespace zest::base
