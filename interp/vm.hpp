// The fetch/dispatch loop over a verified Program. No I/O: handlers reach
// the host through Runtime. A run can be continued after it returns
// (Outcome::Returned) and is bounded by an instruction budget.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "interp/runtime.hpp"

namespace zest::mail {
class Message;
}

namespace zest::interp {

class Vm {
 public:
  enum class Outcome { Done, Stopped, Failed };

  explicit Vm(Runtime& rt) : rt_(rt) {}
  Outcome run();
  std::uint64_t executed() const { return executed_; }

 private:
  struct Block {
    std::uint32_t begin;  // the BlockBegin instruction
    const CommandSpec* spec;
  };
  bool unwind(std::uint32_t& pc);
  // "  12: " (with the program address when the trace asks for it).
  std::string where() const;
  void trace_actions(std::size_t before, const CommandSpec& spec);

  Runtime& rt_;
  std::uint32_t pc_ = 0;
  bool flag_ = false;
  std::vector<Block> blocks_;
  std::uint64_t executed_ = 0;
  std::uint64_t since_cpu_check_ = 0;
};

// The outcome of running one script against one message.
struct RunOutput {
  enum class Status { Ok, RuntimeError };
  Status status = Status::Ok;
  std::vector<Action> actions;
  bool implicit_keep = true;
  Flags implicit_keep_flags;
  std::vector<std::string> errors;  // "line N: text"
};

RunOutput run_program(const Program& program, const mail::Message& message,
                      const Envelope& envelope, Host& host, const EngineSettings& settings,
                      const Registry& registry, TraceSink* trace = nullptr);

// The first and last trace lines of one script's run (level actions and
// up): "## Started executing script 'x'", the run-time error if any, what
// became of the implicit keep, "## Finished executing script 'x'".
void trace_run_start(TraceSink* trace, std::string_view script);
void trace_run_end(TraceSink* trace, std::string_view script, const RunOutput& out);

// Turns the state after a run into a RunOutput (RFC 5228 §2.10.6: a
// failed run keeps the message and drops every other action).
RunOutput finish_run(Runtime& rt, Vm::Outcome outcome);

}  // namespace zest::interp
