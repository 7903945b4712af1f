// The zest configuration file (TOML). One definition of every key lives in
// config_keys.def; docs/configuration.md documents them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "interp/settings.hpp"

namespace zest::config {

// Reads the [sieve] table into engine settings. Unknown keys in [sieve] are
// kept as extension settings (Pigeonhole names without "sieve_").
Result<interp::EngineSettings> load_engine_settings(std::string_view path);
Result<interp::EngineSettings> parse_engine_settings(std::string_view toml_text,
                                                     std::string_view source_name);

// Applies a "+ext -ext" list (sieve-test -x) to the enabled set; `all`
// lists every registered capability.
// Fails on an unknown extension, leaving `settings` as they were.
Status apply_extension_changes(interp::EngineSettings& settings, std::string_view changes,
                               const std::vector<std::string>& all);

}  // namespace zest::config
