// base::ParallelRunner: every step runs once, steps really overlap when
// threads are free, and callers never wait on a busy pool.
#include "base/parallel_runner.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace zest::base {
namespace {

using namespace std::chrono_literals;

std::vector<std::function<void()>> counting_steps(std::vector<std::atomic<int>>& runs) {
  std::vector<std::function<void()>> steps;
  for (auto& r : runs) steps.emplace_back([&r] { r.fetch_add(1); });
  return steps;
}

TEST(ParallelRunner, RunsEveryStepOnce) {
  for (unsigned threads : {0u, 1u, 4u}) {
    ParallelRunner runner(threads);
    EXPECT_EQ(runner.threads(), threads);
    for (std::size_t n : {0u, 1u, 2u, 100u}) {
      std::vector<std::atomic<int>> runs(n);
      const auto steps = counting_steps(runs);
      runner.run_all(steps);
      for (const auto& r : runs) EXPECT_EQ(r.load(), 1) << threads << " threads, " << n;
    }
  }
}

// Each of two steps waits (bounded) for the other to have started: they
// meet only when a thread runs one while the caller runs the other.
TEST(ParallelRunner, StepsOverlapWhenAThreadIsFree) {
  ParallelRunner runner(1);
  std::atomic<int> started{0};
  std::atomic<int> met{0};
  auto meet = [&] {
    started.fetch_add(1);
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (started.load() < 2 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(1ms);
    if (started.load() == 2) met.fetch_add(1);
  };
  const std::vector<std::function<void()>> steps{meet, meet};
  runner.run_all(steps);
  EXPECT_EQ(met.load(), 2);
}

// Many callers on one thread: each also runs the steps nobody took.
TEST(ParallelRunner, CallersShareABusyPool) {
  ParallelRunner runner(1);
  constexpr int kCallers = 8;
  std::vector<std::atomic<int>> runs(kCallers * 5);
  std::vector<std::jthread> callers;
  for (int c = 0; c < kCallers; ++c)
    callers.emplace_back([&runner, &runs, c] {
      std::vector<std::function<void()>> steps;
      for (int i = 0; i < 5; ++i)
        steps.emplace_back([&runs, c, i] {
          std::this_thread::sleep_for(1ms);
          runs[static_cast<std::size_t>(c * 5 + i)].fetch_add(1);
        });
      for (int round = 0; round < 20; ++round) runner.run_all(steps);
    });
  callers.clear();
  for (const auto& r : runs) EXPECT_EQ(r.load(), 20);
}

}  // namespace
}  // namespace zest::base
