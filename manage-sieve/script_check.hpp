// PUTSCRIPT/CHECKSCRIPT compilation: the compiler delivery uses, the
// diagnostics sieve-test prints (name:line:col: error: text + source line).
// And PUTSCRIPT's rules in one place, for the session and `zest sieve put`.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "interp/registry.hpp"
#include "interp/settings.hpp"
#include "manage-sieve/session.hpp"

namespace zest::managesieve {

CheckResult compile_script(std::string_view name, std::string_view source,
                           const interp::Registry& registry,
                           const interp::EngineSettings& settings);

// What check_and_put decided.
struct PutResult {
  enum class Status {
    Ok,            // stored (or, without a store, valid); `warnings` may be set
    BadName,       // `text` says why (RFC 5804 §1.6)
    Empty,         // an empty script is not stored
    StoreRefused,  // `store_error`: quota (have_space) or the store failed
    CompileError,  // `text` holds the diagnostics
  };
  Status status = Status::Ok;
  std::string text;
  std::string warnings;
  std::optional<store::ScriptError> store_error;
  std::string reason;  // one short line for logs and events ("quota", ...)
  bool ok() const { return status == Status::Ok; }
};

using CheckFn = std::function<CheckResult(std::string_view name, std::string_view source)>;

// PUTSCRIPT (store set): a valid name, not empty, within the quota, a clean
// compile, then the store's atomic put with the compiled binary.
// CHECKSCRIPT (store null): the compile only.
PutResult check_and_put(store::ScriptStore* store, std::string_view name, std::string_view source,
                        std::size_t max_name, const CheckFn& check);

}  // namespace zest::managesieve
