// Entry point of the grammar: source bytes in, syntax tree and diagnostics out.
#pragma once

#include <string_view>

#include "grammar/ast.hpp"
#include "grammar/diagnostics.hpp"

namespace zest::grammar {

struct ParseLimits {
  std::size_t max_nesting = 64;  // blocks + test lists, bounds recursion
  std::size_t max_errors = 32;   // stop reporting after this many
  // Structural limits reported as errors (parsing goes on); 0 = none.
  // Pigeonhole uses 32 for each.
  std::size_t max_block_nesting = 0;
  std::size_t max_test_nesting = 0;
  std::size_t max_arguments = 0;
};

// Never throws on bad input and never recurses without bound. On syntax
// errors `script` holds what could be recovered and `diags` the errors.
struct ParseResult {
  Script script;
  Diagnostics diags;
};

ParseResult parse(std::string_view source, const ParseLimits& limits = {});

}  // namespace zest::grammar
