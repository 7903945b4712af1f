#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "grammar/parse.hpp"

namespace zest::grammar::testing {

// All diagnostics in short form, one per line, for compact assertions.
inline std::string diag_text(const ParseResult& r) {
  std::string out;
  for (const auto& d : r.diags.all()) out += format_short("t", d) + "\n";
  return out;
}

inline ParseResult parse_ok(std::string_view src) {
  auto r = parse(src);
  EXPECT_FALSE(r.diags.has_errors()) << diag_text(r) << "in script:\n" << src;
  return r;
}

inline const StringLiteral& str(const Argument& a) {
  return std::get<StringLiteral>(a);
}

}  // namespace zest::grammar::testing
