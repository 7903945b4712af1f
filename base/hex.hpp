// Hexadecimal digits and a stable non-cryptographic hash for ids.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace zest::base {

// 0-15 for a hex digit of either case, -1 otherwise.
constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kHexLower[] = "0123456789abcdef";

// Lower-case hex of the bytes.
std::string to_hex(std::string_view bytes);

// Lower-case hex of a 64-bit FNV-1a-style hash (stable ids, not security;
// the offset basis is the one zest ids have always used, kept for stability).
std::string fnv_hex(std::string_view s);

}  // namespace zest::base
