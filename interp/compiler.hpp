// Source or syntax tree in, verified Program (or diagnostics) out.
#pragma once

#include <optional>
#include <string_view>

#include "grammar/ast.hpp"
#include "grammar/diagnostics.hpp"
#include "interp/program.hpp"
#include "interp/registry.hpp"
#include "interp/settings.hpp"

namespace zest::interp {

struct CompileResult {
  std::optional<Program> program;  // empty when there were errors
  grammar::Diagnostics diags;
};

CompileResult compile(std::string_view source, const Registry& registry,
                      const EngineSettings& settings);

CompileResult compile_tree(const grammar::Script& script, const Registry& registry,
                           const EngineSettings& settings, grammar::Diagnostics diags);

}  // namespace zest::interp
