// The CPU-time limit of one run: `[sieve] max_cpu_time` (Pigeonhole's
// sieve_max_cpu_time). The VM measures the thread's CPU time between
// instructions; work that cannot be interrupted once begun (a regular
// expression match) is charged its worst-case cost before it starts, so a
// single match can never carry a run past the limit and the verdict for
// such work does not depend on how loaded the machine is.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace zest::interp {

class CpuBudget {
 public:
  // A zero limit means unlimited.
  explicit CpuBudget(std::chrono::milliseconds limit);

  bool limited() const { return limit_.count() > 0; }
  std::chrono::milliseconds limit() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(limit_);
  }
  // True when the time spent, plus what was charged, plus `extra`, is over
  // the limit.
  bool exceeded(std::chrono::nanoseconds extra = {}) const;
  void charge(std::chrono::nanoseconds cost) { charged_ += cost; }
  // The run-time error of a run stopped by this limit.
  std::string exceeded_message() const;

 private:
  static std::chrono::nanoseconds thread_cpu_time();
  std::chrono::nanoseconds limit_;
  std::chrono::nanoseconds start_;
  std::chrono::nanoseconds charged_{};
};

// Worst-case cost of an RE2 match: the NFA visits at most every program
// instruction once per subject byte; charged at 1 ns per step (an upper
// bound on this hardware class, not a measurement).
std::chrono::nanoseconds regex_match_cost(int program_size, std::size_t subject_size);

// "30", "30s", "500ms", "2m" (Pigeonhole's time settings; a bare number is
// seconds). nullopt for anything else.
std::optional<std::chrono::milliseconds> parse_cpu_time(std::string_view text);

}  // namespace zest::interp
