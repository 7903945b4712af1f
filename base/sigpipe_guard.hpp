// Writing to a pipe or socket whose reader is gone raises SIGPIPE. While a
// guard lives, SIGPIPE is blocked in this thread; a pending one is consumed
// before the old mask comes back, so neither the thread nor the process is
// affected (for writers that cannot pass MSG_NOSIGNAL: a child's stdin,
// OpenSSL's socket writes).
#pragma once

#include <pthread.h>
#include <signal.h>

#include <ctime>

namespace zest::base {

class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~SigpipeGuard() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    const timespec zero{0, 0};
    while (::sigtimedwait(&set, nullptr, &zero) == SIGPIPE) {
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t old_;
};

}  // namespace zest::base
