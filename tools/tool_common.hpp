// What the command-line tools share: reading files, compiling a script (or
// loading a binary) with diagnostics printed the same way everywhere.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "interp/compiler.hpp"
#include "interp/program.hpp"
#include "interp/registry.hpp"
#include "interp/settings.hpp"

namespace zest::tools {

// sysexits-style exit codes of the tools.
inline constexpr int kExitOk = 0;
inline constexpr int kExitCompileError = 1;
inline constexpr int kExitRuntimeError = 2;
inline constexpr int kExitUsage = 64;
inline constexpr int kExitNoUser = 67;    // EX_NOUSER: sieve-filter -u names no user
inline constexpr int kExitTempFail = 75;  // EX_TEMPFAIL: the user database did not answer

bool write_file(const std::string& path, std::string_view bytes);

struct LoadedScript {
  std::optional<interp::Program> program;
  std::vector<std::string> diagnostics;  // formatted: file:line:col: error: text + excerpt
  std::size_t errors = 0;
};

// A path ending in ".svbc" is loaded as a binary; anything else is compiled.
// When `use_cache` is set and SCRIPT.svbc is newer than SCRIPT and loads, it
// is used instead of compiling (a stale one is silently recompiled).
LoadedScript load_script(const std::string& path, const interp::Registry& registry,
                         const interp::EngineSettings& settings, bool use_cache = false);

std::vector<std::string> all_capabilities(const interp::Registry& registry);

}  // namespace zest::tools
