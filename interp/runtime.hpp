// What command and test handlers see while a script runs: the message, the
// envelope, the host, the action list, argument access with variable
// expansion, matching, and per-extension state.
#pragma once

#include <any>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <typeindex>
#include <unordered_map>
#include <vector>

#include "interp/actions.hpp"
#include "interp/comparator.hpp"
#include "interp/cpu_budget.hpp"
#include "interp/host.hpp"
#include "interp/memory_budget.hpp"
#include "interp/program.hpp"
#include "interp/settings.hpp"

namespace zest::mail {
class Message;
}

namespace zest::interp {

// A string list argument as views: constant strings are read in place
// from the program's pool, only templates are expanded (into `expanded`,
// which the views of those point into). Moving it keeps the views valid.
struct StringList {
  std::vector<std::string_view> views;
  std::vector<std::string> expanded;
  std::span<const std::string_view> span() const { return views; }
};

struct Args {
  std::span<const ArgValue> values;
  const ArgValue* find(Slot s) const {
    for (const auto& v : values)
      if (v.slot == s) return &v;
    return nullptr;
  }
  bool has(Slot s) const { return find(s) != nullptr; }
  std::uint64_t number(Slot s, std::uint64_t fallback = 0) const {
    const ArgValue* v = find(s);
    return v ? v->number : fallback;
  }
};

// Why a run stopped early.
struct RuntimeError {
  std::string message;
  std::uint32_t line = 0;
};

// The part of a run that outlives one script: the testsuite and include
// let several scripts add to one result.
struct ResultState {
  explicit ResultState(ActionLimits limits = {}) : actions(limits) {}
  ActionList actions;
  std::vector<std::string> internal_flags;  // the imap4flags internal variable
  std::unordered_map<std::type_index, std::any> state;
};

// Receives trace lines of a run (sieve-test -t, [sieve] trace_dir). Levels
// (Pigeonhole's): 1 actions, 2 commands, 3 tests, 4 matching; each includes
// the ones before it.
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void trace(std::string_view line) = 0;
  int level = 0;
  bool debug = false;      // also debug_log messages (Pigeonhole's "debug")
  bool addresses = false;  // also the program address of each line ("addresses")
  std::string script;      // named in the start and end lines
};

class Runtime {
 public:
  Runtime(const Program& program, const mail::Message& message, const Envelope& envelope,
          Host& host, const EngineSettings& settings, const Registry& registry,
          ResultState& result);

  const Program& program() const { return *program_; }
  // The message as tests see it: with the editheader edits of the result.
  const mail::Message& message() const;
  // The message as delivered, without edits.
  const mail::Message& original_message() const { return *message_; }
  void set_message(const mail::Message& m) { message_ = &m; }
  const Envelope& envelope() const { return *envelope_; }
  void set_envelope(const Envelope& e) { envelope_ = &e; }
  Host& host() const { return *host_; }
  const EngineSettings& settings() const { return *settings_; }
  const Registry& registry() const { return *registry_; }
  ActionList& actions() { return result_->actions; }
  ResultState& result() { return *result_; }

  // Argument values, with variables expanded where the string is a template.
  std::string string(const ArgValue& v) const;
  std::vector<std::string> strings(const ArgValue& v) const;
  std::optional<std::string> string(const Args& a, Slot s) const;
  std::vector<std::string> strings(const Args& a, Slot s) const;
  // The same as views: no copy of strings that are not templates (a test
  // reads its key list on every run).
  StringList string_list(const ArgValue& v) const;
  StringList string_list(const Args& a, Slot s) const;
  std::string expand(const PoolString& s) const;
  std::string_view raw(const ArgValue& v) const { return program_->text(v.first); }

  // The match of RFC 5228 §2.7 with the comparator, match type and
  // relation taken from `a`. Sets match variables on a :matches success.
  // `default_comparator` replaces i;ascii-casemap when `a` names none.
  bool match(const Args& a, std::span<const std::string> values, std::span<const std::string> keys,
             const Comparator* default_comparator = nullptr);
  // The same over views: values that live elsewhere (a message's decoded
  // parts) are matched without copying them.
  bool match(const Args& a, std::span<const std::string_view> values,
             std::span<const std::string> keys, const Comparator* default_comparator = nullptr);
  // And with the keys as views (string_list).
  bool match(const Args& a, std::span<const std::string> values,
             std::span<const std::string_view> keys,
             const Comparator* default_comparator = nullptr);
  bool match(const Args& a, std::span<const std::string_view> values,
             std::span<const std::string_view> keys,
             const Comparator* default_comparator = nullptr);

  // Match variables ${0}..${9} of the most recent successful :matches.
  const std::vector<std::string>& match_values() const { return match_values_; }
  // Each value is cut at the variable size limit (longer ones cannot be
  // read through ${N} anyway) and counted in the memory budget.
  void set_match_values(std::vector<std::string> v);

  // The imap4flags internal variable (kept here: keep/fileinto read it).
  std::vector<std::string>& internal_flags() { return result_->internal_flags; }

  // A run-time error: the VM stops and the implicit keep is restored.
  void fail(std::string message);
  bool failed() const { return error_.has_value(); }
  const std::optional<RuntimeError>& error() const { return error_; }
  void set_error_line(std::uint32_t line) {
    if (error_ && error_->line == 0) error_->line = line;
  }
  // Adds an action; a refused action becomes a run-time error.
  void check(std::optional<std::string> refused) {
    if (refused) fail(std::move(*refused));
  }

  // Ends the script as "stop" does.
  void request_stop() { stop_ = true; }
  bool stop_requested() const { return stop_; }
  // Leaves every block up to and including the innermost one run by
  // `spec` (test_fail, break).
  // `count` > 1 leaves that many nested blocks of `spec` (a named break).
  void request_unwind(const CommandSpec* spec, std::size_t count = 1) {
    unwind_ = spec;
    unwind_count_ = count;
  }
  std::size_t unwind_count() const { return unwind_count_; }
  const CommandSpec* unwind_requested() const { return unwind_; }
  void clear_unwind() { unwind_ = nullptr; }

  // Variable expansion is provided by the variables extension.
  using Expander = std::function<std::string(const Runtime&, std::string_view)>;
  void set_expander(Expander e) { expander_ = std::move(e); }

  // Per-extension state of this script run, created on first use.
  template <class T>
  T& state() {
    return get_state<T>(state_);
  }
  // The state of this run if it was created (for const readers).
  template <class T>
  const T* find_state() const {
    auto it = state_.find(std::type_index(typeid(T)));
    return it == state_.end() ? nullptr
                              : std::any_cast<const std::shared_ptr<T>&>(it->second).get();
  }
  // Per-extension state of the shared result (e.g. header edits).
  template <class T>
  T& result_state() {
    return get_state<T>(result_->state);
  }

  // The CPU-time limit of the run; scripts run by include share their
  // includer's.
  CpuBudget& cpu_budget() { return *cpu_budget_; }
  void share_cpu_budget(const Runtime& includer) { cpu_budget_ = includer.cpu_budget_; }

  // The memory limit of the run (`[sieve] max_memory`); included scripts
  // share their includer's. Const access charges it too: expanding an
  // argument is a const operation that builds strings.
  MemoryBudget& memory_budget() const { return *memory_budget_; }
  void share_memory_budget(const Runtime& includer) { memory_budget_ = includer.memory_budget_; }
  // The variable size limit (`max_variable_size`, Pigeonhole's
  // sieve_variables_max_variable_size; 4 KiB by default).
  std::size_t max_variable_size() const { return max_variable_size_; }

  // Warnings and debug output go to the host's log.
  void log(LogLevel level, std::string_view message) { host_->log(level, message); }
  std::uint32_t current_line() const { return current_line_; }
  void set_trace(TraceSink* t) { trace_ = t; }
  bool tracing(int level) const { return trace_ && trace_->level >= level; }
  TraceSink* trace_sink() const { return trace_; }
  void trace(std::string_view line) const {
    if (trace_) trace_->trace(line);
  }
  void set_current_line(std::uint32_t l) { current_line_ = l; }

 private:
  template <typename Value, typename Key>
  bool match_values_against(const Args& a, std::span<const Value> values, std::span<const Key> keys,
                            const Comparator* default_comparator);
  template <class T>
  static T& get_state(std::unordered_map<std::type_index, std::any>& map) {
    auto& slot = map[std::type_index(typeid(T))];
    if (!slot.has_value()) slot = std::make_shared<T>();
    return *std::any_cast<std::shared_ptr<T>&>(slot);
  }
  const Program* program_;
  const mail::Message* message_;
  const Envelope* envelope_;
  Host* host_;
  const EngineSettings* settings_;
  const Registry* registry_;
  ResultState* result_;
  std::vector<std::string> match_values_;
  std::optional<RuntimeError> error_;
  bool stop_ = false;
  const CommandSpec* unwind_ = nullptr;
  std::size_t unwind_count_ = 1;
  Expander expander_;
  std::unordered_map<std::type_index, std::any> state_;
  std::uint32_t current_line_ = 0;
  TraceSink* trace_ = nullptr;
  std::shared_ptr<CpuBudget> cpu_budget_;
  std::shared_ptr<MemoryBudget> memory_budget_;
  std::size_t max_variable_size_;
};

}  // namespace zest::interp
