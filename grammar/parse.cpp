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

}  // namespace

ParseResult parse(std::string_view source, const ParseLimits& limits) {
  ParseResult result;
  detail::Driver drv(source, limits, result.diags, result.script);
  // Flex buffers are sized with int.
  if (source.size() > static_cast<std::size_t>(INT_MAX) - 2) {
    drv.error({}, "script too large");
    return result;
  }
  std::unique_ptr<void, ScannerDeleter> scanner(detail::scanner_create(drv, drv.prepare_input()));
  if (!scanner) {
    drv.error({}, "out of memory");
    return result;
  }
  detail::Parser parser(scanner.get(), drv);
  parser.parse();
  return result;
}

}  // namespace zest::grammar
