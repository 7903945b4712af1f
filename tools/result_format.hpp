// The two renderings of a script run: Pigeonhole-compatible text and the
// canonical JSON of ../shared/design/sieve-test-json.md.
#pragma once

#include <string>

#include "interp/vm.hpp"

namespace zest::tools {

enum class RunStatus { Ok, RuntimeError, CompileError };

std::string format_json(RunStatus status, const interp::RunOutput& out,
                        const std::vector<std::string>& errors);
std::string format_text(const interp::RunOutput& out);

}  // namespace zest::tools
