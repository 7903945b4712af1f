#include "interp/checker.hpp"

namespace zest::interp {

// "${" followed by an identifier, a number or a namespaced name, then "}".
bool has_variable_reference(std::string_view s) {
  for (std::size_t i = s.find("${"); i != std::string_view::npos; i = s.find("${", i + 1)) {
    std::size_t j = i + 2;
    const std::size_t start = j;
    while (j < s.size()) {
      const char c = s[j];
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '.';
      if (!ok) break;
      ++j;
    }
    if (j > start && j < s.size() && s[j] == '}') return true;
  }
  return false;
}

}  // namespace zest::interp
