// libFuzzer entry point: any byte sequence must parse without crashing,
// hanging or recursing without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "grammar/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view src(reinterpret_cast<const char*>(data), size);
  const auto result = zest::grammar::parse(src);
  // Touch the formatter too: every location must lie inside the source.
  for (const auto& d : result.diags.all()) {
    (void)zest::grammar::format_with_source("fuzz", src, d);
  }
  return 0;
}
