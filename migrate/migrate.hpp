// `zest migrate-config`: a Dovecot configuration in, the equivalent zest
// TOML out (docs/migrating-from-pigeonhole.md).
#pragma once

#include <string>

#include "migrate/dovecot_conf.hpp"

namespace zest::migrate {

// The zest configuration for `conf`, as TOML text with comments.
std::string migrate_config(const DovecotConfig& conf);

}  // namespace zest::migrate
