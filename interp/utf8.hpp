#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace zest::interp {

bool valid_utf8(std::string_view s);
// Appends the UTF-8 encoding of a code point (which must be valid).
void append_utf8(std::string& out, std::uint32_t cp);
// Number of characters in a UTF-8 string (invalid bytes count as one each).
std::size_t utf8_length(std::string_view s);
// The longest prefix of at most `max_bytes` that does not split a character.
std::string_view utf8_truncate(std::string_view s, std::size_t max_bytes);

}  // namespace zest::interp
