#include "grammar/parse.hpp"

#include <climits>
#include <memory>

#include "grammar/driver.hpp"
#include "parser.hpp"

namespace zest::grammar {

namespace {

struct ScannerDeleter {
  void operator()(void* s) const { detail::scanner_destroy(s); }
};

// Pigeonhole-compatible structural limits, checked on the tree after
// parsing (whose own hard nesting bound keeps this recursion shallow).
class StructureCheck {
 public:
  StructureCheck(const ParseLimits& limits, Diagnostics& diags) : limits_(limits), diags_(diags) {}

  void commands(Seq<Node> nodes, std::size_t blocks) {
    for (const Node& n : nodes) {
      arguments(n);
      tests(n.tests, 1);
      if (!n.has_block) continue;
      if (limits_.max_block_nesting != 0 && blocks + 1 > limits_.max_block_nesting) {
        diags_.error(n.loc, "the nesting of command blocks is too deep (more than " +
                                std::to_string(limits_.max_block_nesting) + " levels)");
        continue;
      }
      commands(n.block, blocks + 1);
    }
  }

 private:
  void tests(Seq<Node> nodes, std::size_t depth) {
    for (const Node& t : nodes) {
      if (limits_.max_test_nesting != 0 && depth > limits_.max_test_nesting) {
        diags_.error(t.loc, "the nesting of tests is too deep (more than " +
                                std::to_string(limits_.max_test_nesting) + " levels)");
        return;
      }
      arguments(t);
      tests(t.tests, depth + 1);
    }
  }

  void arguments(const Node& n) {
    if (limits_.max_arguments != 0 && n.arguments.size() > limits_.max_arguments)
      diags_.error(n.loc, "too many arguments for '" + std::string(n.identifier) + "' (more than " +
                              std::to_string(limits_.max_arguments) + ")");
  }

  const ParseLimits& limits_;
  Diagnostics& diags_;
};

}  // namespace

ParseResult parse(std::string_view source, const ParseLimits& limits) {
  ParseResult result;
  detail::Driver drv(source, limits, result.diags, result.script);
  // Flex buffers are sized with int.
  if (source.size() > static_cast<std::size_t>(INT_MAX) - 2) {
    drv.error({}, "script too large");
    return result;
  }
  const auto [buffer, size] = drv.prepare_input();
  std::unique_ptr<void, ScannerDeleter> scanner(detail::scanner_create(drv, buffer, size));
  if (!scanner) {
    drv.error({}, "out of memory");
    return result;
  }
  detail::Parser parser(scanner.get(), drv);
  parser.parse();
  // What was parsed survives an aborted parse too.
  drv.build_tree();
  if (limits.max_block_nesting || limits.max_test_nesting || limits.max_arguments) {
    StructureCheck(limits, result.diags).commands(result.script.commands, 0);
    result.diags.sort_by_location();
  }
  return result;
}

}  // namespace zest::grammar
