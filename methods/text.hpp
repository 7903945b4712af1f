// Small text helpers shared by the methods (ASCII case, RFC 2047
// encoding, JSON-safe UTF-8, dates).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace zest::methods {

std::string ascii_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool is_ascii(std::string_view s);
// A header value as RFC 2047 B encoded-words when it is not ASCII.
std::string encode_header_value(std::string_view utf8);
// Valid UTF-8 with C0 controls other than TAB/LF/CR replaced by U+FFFD, as
// XML and JSON carriers need; invalid sequences also become U+FFFD.
std::string clean_utf8(std::string_view s);
// Truncates to at most `max_chars` code points, appending "…" when cut.
std::string truncate_chars(std::string_view utf8, std::size_t max_chars);
// RFC 5322 date-time in UTC, and RFC 3339.
std::string rfc5322_date(std::int64_t unix_seconds);
std::string rfc3339_date(std::int64_t unix_seconds);
// The domain of an address ("" without '@'), lower-cased.
std::string domain_of(std::string_view addr);
// Lower-case hex of a 64-bit FNV-1a hash (stable ids, not security).
std::string fnv_hex(std::string_view s);

}  // namespace zest::methods
