#include "base/parallel_runner.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace zest::base {

namespace {

struct Batch {
  std::size_t unfinished = 0;
  std::condition_variable done;
};

struct Queued {
  const std::function<void()>* step = nullptr;
  Batch* batch = nullptr;
};

}  // namespace

struct ParallelRunner::Impl {
  std::mutex mu;
  std::condition_variable work;
  std::deque<Queued> queue;
  bool stopping = false;
  std::vector<std::jthread> threads;

  void serve() {
    std::unique_lock lock(mu);
    for (;;) {
      work.wait(lock, [this] { return stopping || !queue.empty(); });
      if (queue.empty()) return;
      Queued q = queue.front();
      queue.pop_front();
      lock.unlock();
      (*q.step)();
      lock.lock();
      // Notified under the lock: the batch lives on its caller's stack
      // and is gone as soon as the caller sees unfinished == 0.
      if (--q.batch->unfinished == 0) q.batch->done.notify_one();
    }
  }

  // A step of `batch` no thread has taken yet, or none.
  const std::function<void()>* take_own(Batch* batch) {
    for (auto it = queue.begin(); it != queue.end(); ++it)
      if (it->batch == batch) {
        const auto* step = it->step;
        queue.erase(it);
        return step;
      }
    return nullptr;
  }
};

ParallelRunner::ParallelRunner(unsigned threads) : impl_(std::make_unique<Impl>()) {
  impl_->threads.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) impl_->threads.emplace_back([this] { impl_->serve(); });
}

ParallelRunner::~ParallelRunner() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->work.notify_all();
  impl_->threads.clear();  // joins
}

unsigned ParallelRunner::threads() const {
  return static_cast<unsigned>(impl_->threads.size());
}

void ParallelRunner::run_all(std::span<const std::function<void()>> steps) {
  if (steps.empty()) return;
  if (steps.size() == 1 || impl_->threads.empty()) {
    for (const auto& s : steps) s();
    return;
  }
  Batch batch;
  {
    std::lock_guard lock(impl_->mu);
    batch.unfinished = steps.size() - 1;
    for (const auto& s : steps.subspan(1)) impl_->queue.push_back({&s, &batch});
  }
  for (std::size_t i = 1; i < steps.size(); ++i) impl_->work.notify_one();
  steps.front()();
  std::unique_lock lock(impl_->mu);
  while (const auto* step = impl_->take_own(&batch)) {
    lock.unlock();
    (*step)();
    lock.lock();
    --batch.unfinished;
  }
  batch.done.wait(lock, [&batch] { return batch.unfinished == 0; });
}

}  // namespace zest::base
