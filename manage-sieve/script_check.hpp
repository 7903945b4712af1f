// PUTSCRIPT/CHECKSCRIPT compilation: the compiler delivery uses, the
// diagnostics sieve-test prints (name:line:col: error: text + source line).
#pragma once

#include <string_view>

#include "interp/registry.hpp"
#include "interp/settings.hpp"
#include "manage-sieve/session.hpp"

namespace zest::managesieve {

CheckResult compile_script(std::string_view name, std::string_view source,
                           const interp::Registry& registry,
                           const interp::EngineSettings& settings);

}  // namespace zest::managesieve
