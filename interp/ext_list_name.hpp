// Names of RFC 6134 external lists: URIs of the "urn" or "tag" scheme, with
// the shorthand ":addrbook:default" for "urn:ietf:params:sieve:addrbook:default"
// (RFC 6134 §2.4). Names compare case-insensitively, as in Pigeonhole.
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace zest::interp {

// The normalized (lower-case, shorthand expanded) name, or why it is not a
// valid list name.
Result<std::string> normalize_ext_list_name(std::string_view name);

}  // namespace zest::interp
