// Percent-encoding (RFC 3986 §2.1).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace zest::base {

// Strict: every '%' starts two hex digits; a decoded NUL is refused
// (URIs in scripts). nullopt otherwise.
std::optional<std::string> percent_decode(std::string_view s);

// Lenient: a '%' without two hex digits stays as it is (RFC 2231 values).
std::string percent_decode_lenient(std::string_view s);

// RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~".
constexpr bool is_unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Every octet but the unreserved ones as %XX (upper-case hex).
std::string percent_encode(std::string_view s);

}  // namespace zest::base
