#include "mail/text_util.hpp"

namespace zest::mail {

std::string unfold_and_trim(std::string_view value) {
  value = trim_whitespace(value);
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\r' && i + 1 < value.size() && value[i + 1] == '\n') continue;
    if (c == '\n') continue;
    out.push_back(c);
  }
  return out;
}

}  // namespace zest::mail
