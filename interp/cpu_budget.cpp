#include "interp/cpu_budget.hpp"

#include <time.h>

#include <charconv>

namespace zest::interp {

CpuBudget::CpuBudget(std::chrono::milliseconds limit)
    : limit_(limit), start_(limited() ? thread_cpu_time() : std::chrono::nanoseconds{}) {}

std::chrono::nanoseconds CpuBudget::thread_cpu_time() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

bool CpuBudget::exceeded(std::chrono::nanoseconds extra) const {
  if (!limited()) return false;
  return thread_cpu_time() - start_ + charged_ + extra > limit_;
}

std::string CpuBudget::exceeded_message() const {
  return "execution exceeded the CPU time limit (" + std::to_string(limit().count()) + " ms)";
}

std::chrono::nanoseconds regex_match_cost(int program_size, std::size_t subject_size) {
  const auto steps = static_cast<std::int64_t>(program_size > 0 ? program_size : 1) *
                     static_cast<std::int64_t>(subject_size + 1);
  return std::chrono::nanoseconds(steps);
}

std::optional<std::chrono::milliseconds> parse_cpu_time(std::string_view text) {
  std::uint64_t n = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc() || p == text.data()) return std::nullopt;
  const std::string_view unit(p, static_cast<std::size_t>(end - p));
  if (n > 1'000'000'000) return std::nullopt;
  if (unit.empty() || unit == "s" || unit == "sec" || unit == "secs")
    return std::chrono::milliseconds(n * 1000);
  if (unit == "ms" || unit == "msec" || unit == "msecs") return std::chrono::milliseconds(n);
  if (unit == "m" || unit == "min" || unit == "mins") return std::chrono::milliseconds(n * 60'000);
  return std::nullopt;
}

}  // namespace zest::interp
