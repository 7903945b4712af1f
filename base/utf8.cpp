#include "base/utf8.hpp"

#include <cstring>

namespace zest::base {

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n;
  std::uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0)
    n = 2, cp = c & 0x1F;
  else if ((c & 0xF0) == 0xE0)
    n = 3, cp = c & 0x0F;
  else if ((c & 0xF8) == 0xF0)
    n = 4, cp = c & 0x07;
  else
    return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0;
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return 0;
  return n;
}

bool valid_utf8(std::string_view s) {
  // Eight ASCII octets at a time: a body of plain text is checked at
  // memory speed before part contents are taken as they are (no copy).
  constexpr std::uint64_t kHigh = 0x8080808080808080;
  for (std::size_t i = 0; i < s.size();) {
    std::uint64_t w;
    while (i + 8 <= s.size() && (std::memcpy(&w, s.data() + i, 8), w & kHigh) == 0) i += 8;
    if (i == s.size()) break;
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::size_t utf8_length(std::string_view s) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size(); ++count) {
    const std::size_t n = utf8_sequence_length(s, i);
    i += n == 0 ? 1 : n;
  }
  return count;
}

std::string_view utf8_truncate(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t end = max_bytes;
  // Step back over continuation bytes to the start of the cut character.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

namespace {

// Calls bad(i) for each octet to replace: each invalid one and, with
// `controls`, each C0 control other than TAB, LF and CR.
template <class Bad>
void for_each_bad(std::string_view s, bool controls, Bad bad) {
  // Eight octets at a time while they need no look: ASCII, and with
  // `controls` also none below 0x20 (a byte below 0x20 borrows into its
  // high bit when 0x20 is taken from each).
  constexpr std::uint64_t kOnes = 0x0101010101010101, kHigh = 0x80 * kOnes;
  const std::uint64_t low = controls ? 0x20 * kOnes : 0;
  for (std::size_t i = 0; i < s.size();) {
    std::uint64_t w;
    while (i + 8 <= s.size() && (std::memcpy(&w, s.data() + i, 8), ((w - low) | w) & kHigh) == 0)
      i += 8;
    if (i == s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80) {  // printable ASCII, the common case
      ++i;
      continue;
    }
    const std::size_t n = c < 0x80 ? 1 : utf8_sequence_length(s, i);
    const bool control = c < 0x20 && c != '\t' && c != '\n' && c != '\r';
    if (n == 0 || (controls && control)) {
      bad(i);
      ++i;
    } else {
      i += n;
    }
  }
}

// Copies valid sequences, writes U+FFFD for each octet for_each_bad finds.
// The output is sized by a first scan: appending past a reservation of the
// input's size copied a long body once more (and, at 1 MiB and more, made
// the allocator map and fault in a block twice its size each time).
std::string replace_bad(std::string_view s, bool controls) {
  std::size_t bad = 0;
  for_each_bad(s, controls, [&](std::size_t) { ++bad; });
  std::string out;
  out.reserve(s.size() + bad * (kReplacementChar.size() - 1));
  // Valid runs are copied whole: a body of plain text is one append, not
  // one push per octet (a third of evaluating the typical script).
  std::size_t run = 0;  // start of the valid bytes not yet copied
  if (bad != 0)
    for_each_bad(s, controls, [&](std::size_t i) {
      out.append(s.substr(run, i - run));
      out += kReplacementChar;
      run = i + 1;
    });
  out.append(s.substr(run));
  return out;
}

}  // namespace

std::string replace_invalid_utf8(std::string_view s) {
  return replace_bad(s, false);
}

std::string clean_utf8(std::string_view s) {
  return replace_bad(s, true);
}

std::string truncate_chars(std::string_view utf8, std::size_t max_chars) {
  std::size_t i = 0, chars = 0;
  while (i < utf8.size() && chars < max_chars) {
    const std::size_t n = utf8_sequence_length(utf8, i);
    i += n == 0 ? 1 : n;
    ++chars;
  }
  if (i >= utf8.size()) return std::string(utf8);
  return std::string(utf8.substr(0, i)) + "\xE2\x80\xA6";
}

}  // namespace zest::base
