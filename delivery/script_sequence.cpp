#include "delivery/script_sequence.hpp"

#include "interp/vm.hpp"

namespace zest::delivery {
namespace fs = std::filesystem;

std::vector<fs::path> script_sequence(const SequenceOptions& o,
                                      const std::optional<fs::path>& active) {
  std::vector<fs::path> sequence;
  for (const auto& p : o.before)
    for (auto& s : store::expand_script_paths(p)) sequence.push_back(s);
  if (active)
    sequence.push_back(*active);
  else if (!o.fallback.empty() && fs::exists(o.fallback))
    sequence.push_back(o.fallback);
  for (const auto& p : o.after)
    for (auto& s : store::expand_script_paths(p)) sequence.push_back(s);
  return sequence;
}

SequenceRun ScriptSequence::run(std::span<const fs::path> sequence, const mail::Message& message,
                                const interp::Envelope& envelope, interp::Host& host,
                                const ScriptErrorFn& on_error, interp::TraceSink* trace,
                                const fs::path* personal) const {
  SequenceRun out{interp::ResultState(limits()), {}};
  bool failed = false;
  for (const auto& script : sequence) {
    if (!out.scripts.empty()) out.scripts += ",";
    out.scripts += script.string();
    auto loaded = scripts_.get(script);
    if (!loaded.program) {
      if (trace && trace->level >= 1)
        trace->trace("## Script '" + script.string() + "' failed to load: " + loaded.error);
      std::error_code ec;
      on_error(script, fs::exists(script, ec) ? "compile" : "missing", loaded.error);
      failed = true;
      break;
    }
    if (personal && script == *personal) {
      std::string restricted;
      for (const auto& cap : loaded.program->extensions)
        if (settings_.restricted_to_global(cap)) restricted = cap;
      if (!restricted.empty()) {
        const std::string error = "failed to load Sieve capability '" + restricted +
                                  "': its use is restricted to global scripts";
        if (trace && trace->level >= 1)
          trace->trace("## Script '" + script.string() + "' failed to load: " + error);
        on_error(script, "compile", error);
        failed = true;
        break;
      }
    }
    interp::Runtime rt(*loaded.program, message, envelope, host, settings_, registry_, out.result);
    rt.set_trace(trace);
    interp::trace_run_start(trace, script.string());
    interp::Vm vm(rt);
    const auto run = interp::finish_run(rt, vm.run());
    interp::trace_run_end(trace, script.string(), run);
    if (run.status != interp::RunOutput::Status::Ok) {
      std::string errs;
      for (const auto& e : run.errors) errs += (errs.empty() ? "" : "; ") + e;
      on_error(script, "runtime", errs.empty() ? "run-time error" : errs);
      failed = true;
      break;
    }
    // As in Pigeonhole: a script that cancels the implicit keep ends the sequence.
    if (!out.result.actions.implicit_keep()) break;
  }
  if (failed) out.result = interp::ResultState(limits());
  return out;
}

}  // namespace zest::delivery
