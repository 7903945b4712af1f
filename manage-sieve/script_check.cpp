#include "manage-sieve/script_check.hpp"

#include "grammar/diagnostics.hpp"
#include "interp/compiler.hpp"

namespace zest::managesieve {
namespace {

// Response texts go out as literals; their lines end in CRLF.
void append_crlf(std::string& out, std::string_view text) {
  if (!out.empty()) out += "\r\n";
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
}

}  // namespace

CheckResult compile_script(std::string_view name, std::string_view source,
                           const interp::Registry& registry,
                           const interp::EngineSettings& settings) {
  CheckResult out;
  if (source.size() > settings.max_script_size) {
    out.errors = "script is larger than max_script_size (" +
                 std::to_string(settings.max_script_size) + " octets)";
    return out;
  }
  auto result = interp::compile(source, registry, settings);
  for (const auto& d : result.diags.all())
    append_crlf(d.severity == grammar::Severity::Error ? out.errors : out.warnings,
                grammar::format_with_source(name, source, d));
  if (!result.program) {
    if (out.errors.empty()) out.errors = "compilation failed";
    return out;
  }
  out.ok = true;
  out.binary = interp::serialize(*result.program);
  return out;
}

}  // namespace zest::managesieve
