// A few threads that run independent blocking steps beside the caller —
// the fsyncs of different files and directories of one delivery. A disk
// merges cache flushes that arrive together, so k fsyncs issued at once
// cost about one flush of waiting instead of k.
#pragma once

#include <functional>
#include <memory>
#include <span>

namespace zest::base {

class ParallelRunner {
 public:
  // `threads` = 0 runs everything on the caller, one step after the other.
  explicit ParallelRunner(unsigned threads);
  ~ParallelRunner();  // finishes queued steps, then joins
  ParallelRunner(const ParallelRunner&) = delete;
  ParallelRunner& operator=(const ParallelRunner&) = delete;

  // Runs every step (which must not throw) and returns when all have
  // finished. The caller runs the first step, and any step no thread has
  // taken yet, itself: a busy pool never makes it wait for others' work.
  void run_all(std::span<const std::function<void()>> steps);

  unsigned threads() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zest::base
