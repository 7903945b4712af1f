// Which keys the zest configuration accepts, so that migrate-config never
// prints one zest would refuse or ignore: the tables of
// config/config_keys.def (the one definition), and the [sieve] settings
// zest reads (config/config.cpp and the extensions).
#pragma once

#include <string_view>

namespace zest::migrate {

// `table` is "" for the top level, "sieve" for the engine settings.
bool zest_has_key(std::string_view table, std::string_view key);

}  // namespace zest::migrate
