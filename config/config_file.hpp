// What both readers of config/ (the [sieve] table and the whole server
// configuration) share: reading the file and naming a place in it.
#pragma once

#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "base/result.hpp"

namespace zest::config {

// "<source_name>:<line>:<column>" of a TOML source position, for errors.
std::string toml_position(const toml::source_region& r, std::string_view source_name);

// The text of a configuration file, or "<path>: cannot open configuration file".
Result<std::string> read_config_file(std::string_view path);

}  // namespace zest::config
