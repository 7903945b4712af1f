// RFC 2047 encoded-word decoding and charset conversion to UTF-8.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace zest::mail {

// Decodes B/Q encoded-words to UTF-8; adjacent words separated only by
// whitespace are joined. Undecodable words are kept raw. The result is valid
// UTF-8 (invalid sequences replaced by U+FFFD); embedded NULs are preserved.
std::string decode_rfc2047(std::string_view text);

// Converts `bytes` from `charset` to valid UTF-8. Unknown charsets fall back to
// sanitising the bytes as UTF-8.
std::string to_utf8(std::string_view bytes, std::string_view charset);
// The same, or nullopt when the result would equal `bytes` (valid UTF-8
// labelled UTF-8 or unlabelled, ASCII labelled ASCII): callers holding the
// bytes keep them instead of a copy.
std::optional<std::string> to_utf8_if_changed(std::string_view bytes, std::string_view charset);

}  // namespace zest::mail
