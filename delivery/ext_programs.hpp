// Runs the programs of vnd.dovecot.pipe / filter / execute as the [sieve]
// settings say: only `<dir>/<name>` from the kind's `<kind>_bin_dir` (a
// regular file, not world-writable), started directly with an argv (never a
// shell) in a process group of its own, with Pigeonhole's environment
// (HOME, USER, HOST, SENDER, RECIPIENT, ORIG_RECIPIENT, and a fixed PATH),
// the message or data on standard input with the configured line ends, the
// time limit `<kind>_exec_timeout` (the whole group is killed) and the
// output limit `<kind>_max_output`. Standard error goes to the log.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "interp/host.hpp"
#include "interp/settings.hpp"

namespace zest::delivery {

// Who the program runs for (its environment).
struct ProgramOwner {
  std::string user;  // USER
  std::string home;  // HOME
  std::string host;  // HOST
};

// `log` receives the lines the program wrote to standard error (at most
// 4 KiB in all) and why a run failed.
interp::ProgramResult run_ext_program(const interp::EngineSettings& settings,
                                      const ProgramOwner& owner, const interp::ProgramCall& call,
                                      const std::function<void(std::string_view)>& log);

}  // namespace zest::delivery
