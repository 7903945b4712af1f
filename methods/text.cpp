#include "methods/text.hpp"

#include <cctype>
#include <ctime>

namespace zest::methods {

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return ascii_lower(a) == ascii_lower(b);
}

bool is_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

namespace {

// Length of the valid UTF-8 sequence at s[i], 0 when invalid.
std::size_t valid_seq(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

std::string base64(std::string_view in) {
  static constexpr char kTab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const std::uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                            (static_cast<unsigned char>(in[i + 1]) << 8) |
                            static_cast<unsigned char>(in[i + 2]);
    out += kTab[v >> 18];
    out += kTab[(v >> 12) & 63];
    out += kTab[(v >> 6) & 63];
    out += kTab[v & 63];
  }
  if (i < in.size()) {
    std::uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kTab[v >> 18];
    out += kTab[(v >> 12) & 63];
    out += i + 1 < in.size() ? kTab[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace

std::string clean_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = valid_seq(s, i);
    const auto c = static_cast<unsigned char>(s[i]);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else if (n == 1 && (c < 0x20 && c != '\t' && c != '\n' && c != '\r')) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string truncate_chars(std::string_view utf8, std::size_t max_chars) {
  std::size_t i = 0, chars = 0;
  while (i < utf8.size() && chars < max_chars) {
    const std::size_t n = valid_seq(utf8, i);
    i += n == 0 ? 1 : n;
    ++chars;
  }
  if (i >= utf8.size()) return std::string(utf8);
  return std::string(utf8.substr(0, i)) + "\xE2\x80\xA6";
}

std::string encode_header_value(std::string_view utf8) {
  if (is_ascii(utf8)) return std::string(utf8);
  const std::string clean = clean_utf8(utf8);
  // Words of at most 45 octets (60 base64 characters), split on character
  // boundaries (RFC 2047 §5: a word must not split a character).
  std::string out;
  std::size_t i = 0;
  while (i < clean.size()) {
    std::size_t end = i;
    while (end < clean.size()) {
      const std::size_t n = std::max<std::size_t>(1, valid_seq(clean, end));
      if (end + n - i > 45) break;
      end += n;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?utf-8?B?" + base64(std::string_view(clean).substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string rfc5322_date(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string rfc3339_date(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string domain_of(std::string_view addr) {
  const auto at = addr.rfind('@');
  return at == std::string_view::npos ? std::string() : ascii_lower(addr.substr(at + 1));
}

std::string fnv_hex(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace zest::methods
