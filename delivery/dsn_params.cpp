#include "delivery/dsn_params.hpp"

#include "base/text.hpp"

namespace zest::delivery {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;  // RFC 3461 says upper case; be lenient
  return -1;
}

}  // namespace

std::optional<std::string> decode_xtext(std::string_view xtext) {
  std::string out;
  out.reserve(xtext.size());
  for (std::size_t i = 0; i < xtext.size(); ++i) {
    const char c = xtext[i];
    if (c == '+') {
      if (i + 2 >= xtext.size()) return std::nullopt;
      const int hi = hex_value(xtext[i + 1]), lo = hex_value(xtext[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c < '!' || c > '~' || c == '=') {
      return std::nullopt;
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> parse_orcpt(std::string_view value) {
  const auto semi = value.find(';');
  if (semi == std::string_view::npos || semi == 0) return std::nullopt;
  const std::string_view type = value.substr(0, semi);
  for (char c : type)
    if (!((c >= '0' && c <= '9') || (base::ascii_lower(c) >= 'a' && base::ascii_lower(c) <= 'z') ||
          c == '-'))
      return std::nullopt;
  auto addr = decode_xtext(value.substr(semi + 1));
  if (!addr || addr->empty()) return std::nullopt;
  if (!base::iequals(type, "rfc822")) return std::string();
  return addr;
}

bool valid_notify(std::string_view value) {
  if (base::iequals(value, "NEVER")) return true;
  bool seen[3] = {false, false, false};
  while (true) {
    const auto comma = value.find(',');
    const std::string_view w = value.substr(0, comma);
    const int i = base::iequals(w, "SUCCESS")   ? 0
                  : base::iequals(w, "FAILURE") ? 1
                  : base::iequals(w, "DELAY")   ? 2
                                                : -1;
    if (i < 0 || seen[i]) return false;
    seen[i] = true;
    if (comma == std::string_view::npos) return true;
    value.remove_prefix(comma + 1);
  }
}

bool valid_ret(std::string_view value) {
  return base::iequals(value, "FULL") || base::iequals(value, "HDRS");
}

}  // namespace zest::delivery
