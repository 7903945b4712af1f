// The scripts one delivery runs, and running them into one result: the
// admin "before" scripts, the user's active script (or the default), the
// admin "after" scripts. Every script adds to the same result, so the RFC
// 5228 rules, editheader edits, duplicate ids and imap4flags apply across
// scripts.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "interp/host.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"
#include "interp/settings.hpp"
#include "store/script_cache.hpp"

namespace zest::mail {
class Message;
}

namespace zest::delivery {

struct SequenceOptions {
  std::span<const std::filesystem::path> before, after;  // files or directories
  std::filesystem::path fallback;  // for users without an active script ("" = none)
};

// `active` is the user's active script (SieveHome::active_script(),
// resolved once per delivery by the caller).
std::vector<std::filesystem::path> script_sequence(
    const SequenceOptions& o, const std::optional<std::filesystem::path>& active);

struct SequenceRun {
  interp::ResultState result;
  std::string scripts;  // the paths of the scripts run, comma-separated (for the log)
};

// Where a script of the sequence failed: `kind` is "missing" (no such
// file), "compile" (it does not compile) or "runtime".
using ScriptErrorFn = std::function<void(const std::filesystem::path& script, std::string_view kind,
                                         std::string_view error)>;

class ScriptSequence {
 public:
  ScriptSequence(store::ScriptCache& scripts, const interp::Registry& registry,
                 const interp::EngineSettings& settings)
      : scripts_(scripts), registry_(registry), settings_(settings) {}

  // Runs `sequence` in order until a script cancels the implicit keep. A
  // script that fails reports to `on_error` and ends the run with an empty
  // result, which files the message into INBOX (RFC 5228 §2.10.6).
  // `trace` (when given) gets the trace of every script run. `personal`
  // is the user's own script of the sequence (the active script; not
  // sieve_default, which the administrator wrote): it may not use [sieve] global_extensions (a
  // "compile" error, as Pigeonhole's "restricted to global scripts").
  SequenceRun run(std::span<const std::filesystem::path> sequence, const mail::Message& message,
                  const interp::Envelope& envelope, interp::Host& host,
                  const ScriptErrorFn& on_error, interp::TraceSink* trace = nullptr,
                  const std::filesystem::path* personal = nullptr) const;

  interp::ActionLimits limits() const { return {settings_.max_actions, settings_.max_redirects}; }

 private:
  store::ScriptCache& scripts_;
  const interp::Registry& registry_;
  const interp::EngineSettings& settings_;
};

}  // namespace zest::delivery
