#include "tools/script_run.hpp"

namespace zest::tools {

interp::RunOutput run_scripts(std::span<const NamedProgram> scripts, const mail::Message& message,
                              const interp::Envelope& envelope, interp::Host& host,
                              const interp::EngineSettings& settings,
                              const interp::Registry& registry, interp::TraceSink* trace,
                              const std::vector<std::string>& initial_flags) {
  const interp::ActionLimits limits{settings.max_actions, settings.max_redirects};
  interp::ResultState result(limits);
  result.internal_flags = initial_flags;
  interp::RunOutput last;
  for (const auto& s : scripts) {
    interp::Runtime rt(*s.program, message, envelope, host, settings, registry, result);
    rt.set_trace(trace);
    if (trace) trace->script = s.name;
    interp::trace_run_start(trace, s.name);
    interp::Vm vm(rt);
    last = interp::finish_run(rt, vm.run());
    interp::trace_run_end(trace, s.name, last);
    if (last.status != interp::RunOutput::Status::Ok) {
      if (scripts.size() > 1)
        for (auto& e : last.errors) e = s.name + ": " + e;
      return last;  // finish_run already dropped every action
    }
    if (!last.implicit_keep) break;
  }
  return last;
}

}  // namespace zest::tools
