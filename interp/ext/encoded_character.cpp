// RFC 5228 §2.4.2.4 encoded-character: "${hex:..}" and "${unicode:..}" in
// string literals, expanded at compile time.
#include "base/hex.hpp"
#include "base/text.hpp"
#include "base/utf8.hpp"
#include "interp/checker.hpp"
#include "interp/registry.hpp"

namespace zest::interp {
namespace {

// RFC 5228 §2.4.2.4 blank = WSP / CRLF (not base::is_space: VT and FF
// are not blanks here).
bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Parses the body of one "${hex:...}" or "${unicode:...}" starting after
// the colon. On success appends the expansion to `out` and returns the index
// after '}'; returns 0 for a malformed sequence (which stays literal).
std::size_t parse_encoded(std::string_view s, std::size_t i, bool unicode, std::string& out,
                          std::string& error) {
  std::string expanded;
  std::string invalid;  // reported only when the sequence is well-formed
  bool any = false;
  while (true) {
    while (i < s.size() && is_blank(s[i])) ++i;
    if (i >= s.size()) return 0;
    if (s[i] == '}') {
      if (!any) return 0;
      if (!invalid.empty()) {
        if (error.empty()) error = std::move(invalid);
        return 0;
      }
      out += expanded;
      return i + 1;
    }
    std::size_t j = i;
    std::uint64_t v = 0;
    bool overflow = false;
    while (j < s.size() && base::hex_value(s[j]) >= 0) {
      v = v * 16 + static_cast<std::uint64_t>(base::hex_value(s[j]));
      if (v > 0xFFFFFFFFULL) overflow = true, v = 0xFFFFFFFFULL;
      ++j;
    }
    const std::size_t digits = j - i;
    if (digits == 0) return 0;
    if (j < s.size() && !is_blank(s[j]) && s[j] != '}') return 0;
    if (!unicode) {
      if (digits > 2) return 0;
      expanded += static_cast<char>(v);
    } else {
      if (overflow || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        if (invalid.empty())
          invalid = "invalid unicode character 0x" + std::string(s.substr(i, digits)) +
                    " in encoded character substitution";
      } else {
        base::append_utf8(expanded, static_cast<std::uint32_t>(v));
      }
    }
    any = true;
    i = j;
  }
}

}  // namespace

EncodedCharacterResult expand_encoded_characters(std::string_view s) {
  EncodedCharacterResult r;
  r.value.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '{') {
      const std::string_view rest = s.substr(i + 2);
      const bool hex = base::istarts_with(rest, "hex:");
      const bool uni = !hex && base::istarts_with(rest, "unicode:");
      if (hex || uni) {
        const std::size_t end = parse_encoded(s, i + 2 + (hex ? 4 : 8), uni, r.value, r.error);
        if (end != 0) {
          i = end;
          continue;
        }
      }
    }
    r.value += s[i++];
  }
  return r;
}

void register_encoded_character(Registry& r) {
  r.add_extension({"encoded-character"});
}

}  // namespace zest::interp
