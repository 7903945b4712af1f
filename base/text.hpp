// ASCII text helpers: case, whitespace, comparison. Locale-independent on
// purpose: protocol keywords, header names and addresses are ASCII rules.
#pragma once

#include <string>
#include <string_view>

namespace zest::base {

constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}
constexpr char ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c;
}

std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
void lower_in_place(std::string& s);

constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}
constexpr bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Space, tab, CR, LF (and VT, FF, as isspace in the C locale).
constexpr bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}
// Space or tab (RFC 5234 WSP).
constexpr bool is_wsp(char c) {
  return c == ' ' || c == '\t';
}

constexpr std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}
constexpr std::string_view trim_left(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  return s;
}
constexpr std::string_view trim_right(std::string_view s) {
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_ascii(std::string_view s);

// Advances `i` over RFC 5322 CFWS: white space (CR and LF included) and
// nested comments with quoted pairs. Never moves `i` past s.size(), however
// the comment ends (an unclosed comment or a trailing backslash).
void skip_cfws(std::string_view s, std::size_t& i);

// "yes", "true", "1" (any case, surrounding space ignored).
bool is_yes(std::string_view s);

// `s` without the leading and trailing characters that are in `chars`, for
// the places where the set matters (" \t" for WSP, " \t\r\n" for header
// values, where a vertical tab or form feed is content).
constexpr std::string_view trim(std::string_view s, std::string_view chars) {
  const std::size_t first = s.find_first_not_of(chars);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(chars) - first + 1);
}

}  // namespace zest::base
