// Trimming space and tab only (RFC 5234 WSP), for text where CR, LF and
// other controls are data that must stay visible to the caller: protocol
// arguments, header values, settings.
#pragma once

#include <string_view>

#include "base/text.hpp"

namespace zest::base {

constexpr std::string_view trim_wsp(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace zest::base
