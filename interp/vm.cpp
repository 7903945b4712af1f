#include "interp/vm.hpp"

#include <fmt/format.h>

namespace zest::interp {
namespace {

// Reading the thread's CPU clock is a system call: look every this many
// instructions.
constexpr std::uint64_t kCpuCheckInterval = 256;

bool is_action_command(std::string_view name) {
  static constexpr std::string_view kActions[] = {"keep",     "fileinto", "redirect", "discard",
                                                  "reject",   "ereject",  "vacation", "notify",
                                                  "denotify", "report"};
  for (auto a : kActions)
    if (a == name) return true;
  return false;
}

}  // namespace

std::string Vm::where() const {
  const std::uint32_t line = rt_.program().lines[pc_];
  const TraceSink* t = rt_.trace_sink();
  if (t && t->addresses) return fmt::format("{:>4} [{:06}]: ", line, pc_);
  return fmt::format("{:>4}: ", line);
}

// Level actions: what each action command added to the result.
void Vm::trace_actions(std::size_t before, const CommandSpec& spec) {
  const auto& actions = rt_.actions().actions();
  if (actions.size() > before) {
    for (std::size_t i = before; i < actions.size(); ++i)
      rt_.trace(where() + std::string(action_name(actions[i])) +
                " action: " + describe_action(actions[i]));
  } else if (is_action_command(spec.name)) {
    rt_.trace(where() + spec.name + " action: merged with an earlier action");
  }
}

bool Vm::unwind(std::uint32_t& pc) {
  const CommandSpec* target = rt_.unwind_requested();
  std::size_t count = rt_.unwind_count();
  rt_.clear_unwind();
  while (!blocks_.empty()) {
    const Block b = blocks_.back();
    blocks_.pop_back();
    if (b.spec == target && --count == 0) {
      pc = rt_.program().code[b.begin].target;
      return true;
    }
  }
  rt_.fail("cannot leave a block that is not running");
  return false;
}

Vm::Outcome Vm::run() {
  const Program& p = rt_.program();
  const std::uint64_t budget = rt_.settings().max_instructions;
  const std::uint32_t n = static_cast<std::uint32_t>(p.code.size());
  MemoryBudget& memory = rt_.memory_budget();
  while (pc_ < n) {
    // Checked between instructions: the error names the line of the one
    // that went over the limit (the current line is still its line).
    if (memory.exceeded()) {
      rt_.fail(memory.exceeded_message());
      return Outcome::Failed;
    }
    memory.end_instruction();
    if (budget != 0 && ++executed_ > budget) {
      rt_.set_current_line(p.lines[pc_]);
      rt_.fail("execution exceeded the instruction budget (" + std::to_string(budget) + ")");
      return Outcome::Failed;
    }
    if (++since_cpu_check_ == kCpuCheckInterval) {
      since_cpu_check_ = 0;
      if (rt_.cpu_budget().exceeded()) {
        rt_.set_current_line(p.lines[pc_]);
        rt_.fail(rt_.cpu_budget().exceeded_message());
        return Outcome::Failed;
      }
    }
    const Instr& in = p.code[pc_];
    rt_.set_current_line(p.lines[pc_]);
    switch (in.op) {
      case Op::Jump:
        pc_ = in.target;
        continue;
      case Op::JumpIfTrue:
        pc_ = flag_ ? in.target : pc_ + 1;
        continue;
      case Op::JumpIfFalse:
        pc_ = flag_ ? pc_ + 1 : in.target;
        continue;
      case Op::Stop:
        // The Stop the compiler appends ends the script normally: only an
        // explicit stop ends the scripts that include this one too.
        if (pc_ + 1 == n) return Outcome::Done;
        if (rt_.tracing(2)) rt_.trace(where() + "stop command");
        return Outcome::Stopped;
      case Op::Return:
        return Outcome::Done;
      case Op::Test: {
        const CommandSpec* spec = p.commands[in.command].spec;
        flag_ = spec->test(rt_, Args{p.args_of(in)});
        if (rt_.tracing(3))
          rt_.trace(where() + spec->name + " test: " + (flag_ ? "true" : "false"));
        break;
      }
      case Op::Command: {
        const CommandSpec* spec = p.commands[in.command].spec;
        if (rt_.tracing(2)) rt_.trace(where() + spec->name + " command");
        const std::size_t before = rt_.actions().actions().size();
        spec->run(rt_, Args{p.args_of(in)});
        if (rt_.tracing(1) && !rt_.failed()) trace_actions(before, *spec);
        break;
      }
      case Op::BlockBegin: {
        const CommandSpec* spec = p.commands[in.command].spec;
        if (rt_.tracing(2)) rt_.trace(where() + spec->name + " command");
        const BlockStep step = spec->enter(rt_, Args{p.args_of(in)});
        if (rt_.failed()) return Outcome::Failed;
        if (step == BlockStep::Skip || step == BlockStep::Exit) {
          pc_ = in.target;
          continue;
        }
        blocks_.push_back({pc_, spec});
        break;
      }
      case Op::BlockEnd: {
        if (blocks_.empty()) {
          rt_.fail("block end without a block");
          return Outcome::Failed;
        }
        const Block b = blocks_.back();
        const BlockStep step = b.spec->loop(rt_);
        if (rt_.failed()) return Outcome::Failed;
        if (step == BlockStep::Repeat) {
          pc_ = b.begin + 1;
          continue;
        }
        blocks_.pop_back();
        break;
      }
    }
    if (rt_.failed()) return Outcome::Failed;
    if (rt_.stop_requested()) return Outcome::Stopped;
    if (rt_.unwind_requested()) {
      std::uint32_t next = pc_;
      if (!unwind(next)) return Outcome::Failed;
      pc_ = next;
      continue;
    }
    ++pc_;
  }
  return Outcome::Done;
}

RunOutput finish_run(Runtime& rt, Vm::Outcome outcome) {
  RunOutput out;
  if (outcome == Vm::Outcome::Failed) {
    out.status = RunOutput::Status::RuntimeError;
    const auto& e = rt.error();
    out.errors.push_back(e ? fmt::format("line {}: {}", e->line, e->message)
                           : std::string("run-time error"));
    out.implicit_keep = true;
    return out;
  }
  out.actions = rt.actions().actions();
  out.implicit_keep = rt.actions().implicit_keep();
  if (out.implicit_keep) out.implicit_keep_flags = canonical_flags(rt.internal_flags());
  return out;
}

void trace_run_start(TraceSink* trace, std::string_view script) {
  if (trace && trace->level >= 1)
    trace->trace("## Started executing script '" + std::string(script) + "'");
}

void trace_run_end(TraceSink* trace, std::string_view script, const RunOutput& out) {
  if (!trace || trace->level < 1) return;
  for (const auto& e : out.errors) trace->trace("## Run-time error: " + e);
  trace->trace(out.implicit_keep ? "## Implicit keep: store message in default mailbox"
                                 : "## Implicit keep cancelled");
  trace->trace("## Finished executing script '" + std::string(script) + "'");
}

RunOutput run_program(const Program& program, const mail::Message& message,
                      const Envelope& envelope, Host& host, const EngineSettings& settings,
                      const Registry& registry, TraceSink* trace) {
  ResultState result(ActionLimits{settings.max_actions, settings.max_redirects});
  Runtime rt(program, message, envelope, host, settings, registry, result);
  rt.set_trace(trace);
  const std::string script = trace ? trace->script : std::string();
  trace_run_start(trace, script);
  Vm vm(rt);
  RunOutput out = finish_run(rt, vm.run());
  trace_run_end(trace, script, out);
  return out;
}

}  // namespace zest::interp
