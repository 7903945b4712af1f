#pragma once

#include <cstdint>

namespace zest::grammar {

// 1-based line and column (columns count bytes) in the script source.
struct Location {
  std::uint32_t line = 1;
  std::uint32_t column = 1;
};

}  // namespace zest::grammar
