// Running several scripts against one message into one result, as
// Pigeonhole's sieve-test -s and sieve-filter do: the scripts given with -s
// first, in order, then the main script. Every script adds to the same
// result (RFC 5228 rules, editheader edits and imap4flags apply across
// scripts); a script that cancels the implicit keep ends the sequence, and
// a script that fails drops every action (the implicit keep applies).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "interp/host.hpp"
#include "interp/program.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"
#include "interp/settings.hpp"
#include "interp/vm.hpp"

namespace zest::tools {

struct NamedProgram {
  const interp::Program* program = nullptr;
  std::string name;  // for traces and errors: the script path
};

// `initial_flags` seeds the imap4flags internal variable (sieve-filter: the
// stored message's flags, as Pigeonhole does). When `trace` is given its
// `script` is set to each script's name in turn. A run-time error names
// the script it happened in.
interp::RunOutput run_scripts(std::span<const NamedProgram> scripts, const mail::Message& message,
                              const interp::Envelope& envelope, interp::Host& host,
                              const interp::EngineSettings& settings,
                              const interp::Registry& registry, interp::TraceSink* trace = nullptr,
                              const std::vector<std::string>& initial_flags = {});

}  // namespace zest::tools
