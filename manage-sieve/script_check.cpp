#include "manage-sieve/script_check.hpp"

#include "grammar/diagnostics.hpp"
#include "interp/compiler.hpp"
#include "manage-sieve/protocol.hpp"
#include "store/script_cache.hpp"

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
  // The digest lets every node's store::ScriptCache take this binary for
  // exactly this source.
  result.program->source_digest = store::source_digest(source);
  out.binary = interp::serialize(*result.program);
  return out;
}

PutResult check_and_put(store::ScriptStore* store, std::string_view name, std::string_view source,
                        std::size_t max_name, const CheckFn& check) {
  using S = PutResult::Status;
  PutResult out;
  if (store) {
    if (auto err = check_script_name(name, max_name); !err.empty()) {
      out.status = S::BadName;
      out.text = std::move(err);
      out.reason = out.text;
      return out;
    }
    if (source.empty()) {
      out.status = S::Empty;
      out.text = "Refusing to store an empty script";
      out.reason = "empty script";
      return out;
    }
    if (auto r = store->have_space(name, source.size()); !r) {
      out.status = S::StoreRefused;
      out.store_error = r.error();
      out.reason = "quota";
      return out;
    }
  }
  auto c = check(name, source);
  if (!c.ok) {
    out.status = S::CompileError;
    out.text = std::move(c.errors);
    out.reason = out.text.empty() ? "compilation failed" : out.text;
    return out;
  }
  if (store) {
    if (auto r = store->put(name, source, c.binary); !r) {
      out.status = S::StoreRefused;
      out.store_error = r.error();
      out.reason = "storage error";
      return out;
    }
  }
  out.warnings = std::move(c.warnings);
  return out;
}

}  // namespace zest::managesieve
