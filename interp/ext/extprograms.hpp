// The settings of vnd.dovecot.pipe / filter / execute, by Pigeonhole's
// names without "sieve_" ([sieve] pipe_bin_dir, filter_exec_timeout, ...),
// read from EngineSettings::values. Pure: the host runs the programs
// (delivery/ext_programs.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "interp/host.hpp"
#include "interp/settings.hpp"

namespace zest::interp {

struct ExtProgramSettings {
  std::string bin_dir;                        // <kind>_bin_dir; empty: not configured
  std::chrono::milliseconds timeout{10'000};  // <kind>_exec_timeout; 0: no limit
  bool crlf = true;                           // <kind>_input_eol: "crlf" (default) or "lf"
  std::size_t max_output = 0;                 // <kind>_max_output (filter, execute)
};

// "10s", "500ms", "2m", "1h", "1d", a bare number of seconds; "0" = no limit.
std::optional<std::chrono::milliseconds> parse_program_timeout(std::string_view text);

// The settings of one kind; an error names the bad key and value.
Result<ExtProgramSettings> extprogram_settings(const EngineSettings& settings, ProgramKind kind);

}  // namespace zest::interp
