// zestd --check-config: everything start-up (and delivery) would trip
// over, found before the daemon runs. Each problem is one line
// "<file>:<line>:<column>: error: <text>" pointing at the key at fault
// (or at the file when a default is at fault).
#pragma once

#include <string>
#include <vector>

#include "config/server_config.hpp"
#include "server/runtime.hpp"

namespace zest::server {

// `stack` supplies the compiler (registry and [sieve] settings); nothing is
// written anywhere.
std::vector<std::string> check_config(const config::ServerConfig& cfg, DeliveryStack& stack);

}  // namespace zest::server
