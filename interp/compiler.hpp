// Source or syntax tree in, verified Program (or diagnostics) out.
#pragma once

#include <optional>
#include <string_view>

#include "grammar/ast.hpp"
#include "grammar/diagnostics.hpp"
#include "grammar/parse.hpp"
#include "interp/program.hpp"
#include "interp/registry.hpp"
#include "interp/settings.hpp"

namespace zest::interp {

struct CompileEnv;  // checker.hpp

struct CompileResult {
  std::optional<Program> program;  // empty when there were errors
  grammar::Diagnostics diags;
};

// The parser limits that go with these engine settings (every caller that
// parses before compiling must use them, so error counts agree).
grammar::ParseLimits parse_limits(const EngineSettings& settings);

// With an environment whose host resolves included scripts, those are
// compiled too and their errors reported (RFC 6609 include).
CompileResult compile(std::string_view source, const Registry& registry,
                      const EngineSettings& settings, CompileEnv* env = nullptr);

CompileResult compile_tree(const grammar::Script& script, const Registry& registry,
                           const EngineSettings& settings, grammar::Diagnostics diags,
                           CompileEnv* env = nullptr);

}  // namespace zest::interp
