#include "base/text.hpp"

namespace zest::base {

std::string to_lower(std::string_view s) {
  std::string out(s);
  lower_in_place(out);
  return out;
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_upper(c);
  return out;
}

void lower_in_place(std::string& s) {
  for (char& c : s) c = ascii_lower(c);
}

bool is_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

bool is_yes(std::string_view s) {
  const std::string_view v = trim(s);
  return iequals(v, "yes") || iequals(v, "true") || v == "1";
}

void skip_cfws(std::string_view s, std::size_t& i) {
  while (i < s.size()) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (c == '(') {
      int depth = 0;
      for (; i < s.size(); ++i) {
        if (s[i] == '\\') {
          if (i + 1 == s.size()) break;  // a trailing backslash quotes nothing
          ++i;
        } else if (s[i] == '(') {
          ++depth;
        } else if (s[i] == ')' && --depth == 0) {
          ++i;
          break;
        }
      }
    } else {
      break;
    }
  }
}

}  // namespace zest::base
