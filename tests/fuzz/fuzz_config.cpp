// libFuzzer target: the configuration file. zestd reads it at start and on
// reload, and `zest`, `sieve-test -c` and the testsuite read it too; a bad
// file must give an error with its location, never a crash. Both readers
// of the TOML text run on every input, and the "+ext -ext" list parser on
// its first line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/server_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto server = zest::config::parse_server_config(text, "fuzz.toml");
  if (!server && server.error().empty()) std::abort();  // a refusal must say why
  auto engine = zest::config::parse_engine_settings(text, "fuzz.toml");
  if (!engine && engine.error().empty()) std::abort();
  if (engine) {
    static const std::vector<std::string> all = {"fileinto", "envelope", "variables",
                                                 "body",     "vacation", "enotify"};
    const std::string_view first_line = text.substr(0, text.find('\n'));
    (void)zest::config::apply_extension_changes(*engine, first_line, all);
  }
  return 0;
}
