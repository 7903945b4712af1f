// UTF-8 validation and editing (RFC 3629): one decoder for the whole tree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace zest::base {

// Length of the valid UTF-8 sequence starting at s[i] (1-4), or 0 when the
// bytes there are not one (overlong forms, surrogates, > U+10FFFF, cut).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

bool valid_utf8(std::string_view s);
// Appends the UTF-8 encoding of a code point (which must be valid).
void append_utf8(std::string& out, std::uint32_t cp);
// Number of characters in a UTF-8 string (invalid bytes count as one each).
std::size_t utf8_length(std::string_view s);
// The longest prefix of at most `max_bytes` that does not split a character.
std::string_view utf8_truncate(std::string_view s, std::size_t max_bytes);

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// Invalid sequences replaced by U+FFFD.
std::string replace_invalid_utf8(std::string_view s);
// Valid UTF-8 with C0 controls other than TAB/LF/CR replaced by U+FFFD too,
// as XML and JSON carriers need.
std::string clean_utf8(std::string_view s);
// Truncates to at most `max_chars` code points, appending "…" when cut.
std::string truncate_chars(std::string_view utf8, std::size_t max_chars);

}  // namespace zest::base
