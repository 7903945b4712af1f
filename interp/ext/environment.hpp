// RFC 5183 environment items, shared with extensions that read them too
// (vnd.dovecot.environment's `env` variable namespace).
#pragma once

#include <optional>
#include <string>

#include "interp/runtime.hpp"

namespace zest::interp {

// An item (lower-case name) as the host defines it, or zest's default for
// name, location, phase and version; nullopt when unknown.
std::optional<std::string> environment_item(const Runtime& rt, const std::string& name);

}  // namespace zest::interp
