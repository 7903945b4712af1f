#include "base/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "base/fd.hpp"
#include "base/sigpipe_guard.hpp"

namespace zest::base {
namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
  Fd read, write;
};

bool make_pipe(Pipe& p) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  p.read.adopt(fds[0]);
  p.write.adopt(fds[1]);
  return true;
}

class SpawnFiles {
 public:
  SpawnFiles() { posix_spawn_file_actions_init(&fa_); }
  ~SpawnFiles() { posix_spawn_file_actions_destroy(&fa_); }
  SpawnFiles(const SpawnFiles&) = delete;
  SpawnFiles& operator=(const SpawnFiles&) = delete;
  posix_spawn_file_actions_t* get() { return &fa_; }

 private:
  posix_spawn_file_actions_t fa_;
};

class SpawnAttr {
 public:
  SpawnAttr() { posix_spawnattr_init(&a_); }
  ~SpawnAttr() { posix_spawnattr_destroy(&a_); }
  SpawnAttr(const SpawnAttr&) = delete;
  SpawnAttr& operator=(const SpawnAttr&) = delete;
  posix_spawnattr_t* get() { return &a_; }

 private:
  posix_spawnattr_t a_;
};

void set_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

void kill_group(pid_t pid) {
  if (::kill(-pid, SIGKILL) != 0) ::kill(pid, SIGKILL);
}

// The exit status of `pid`; when it is still running at `deadline` its
// process group is killed first.
int reap(pid_t pid, std::optional<Clock::time_point> deadline, bool& killed) {
  int status = 0;
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    const pid_t r = ::waitpid(pid, &status, deadline ? WNOHANG : 0);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return 0;
    if (deadline && Clock::now() >= *deadline) {
      kill_group(pid);
      killed = true;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return status;
    }
    if (deadline) {
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(50));
    }
  }
}

}  // namespace

ProcessResult run_process(const ProcessSpec& spec) {
  ProcessResult res;
  const std::optional<Clock::time_point> deadline =
      spec.timeout.count() > 0 ? std::optional(Clock::now() + spec.timeout) : std::nullopt;

  Pipe in, out, err;
  if ((spec.input && !make_pipe(in)) || !make_pipe(out) || !make_pipe(err)) {
    res.spawn_error = std::string("pipe: ") + std::strerror(errno);
    return res;
  }
  SpawnFiles files;
  if (spec.input)
    posix_spawn_file_actions_adddup2(files.get(), in.read.get(), 0);
  else
    posix_spawn_file_actions_addopen(files.get(), 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(files.get(), out.write.get(), 1);
  posix_spawn_file_actions_adddup2(files.get(), err.write.get(), 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  posix_spawn_file_actions_addclosefrom_np(files.get(), 3);  // no descriptor of ours leaks
#endif
  SpawnAttr attr;
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2})
    sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(attr.get(), &none);
  posix_spawnattr_setsigdefault(attr.get(), &defaults);
  posix_spawnattr_setpgroup(attr.get(), 0);  // its own group, killed as a whole
  posix_spawnattr_setflags(attr.get(),
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> args = spec.argv.empty() ? std::vector{spec.path} : spec.argv;
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = spec.env;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  SigpipeGuard sigpipe;
  pid_t pid = 0;
  const int rc =
      ::posix_spawn(&pid, spec.path.c_str(), files.get(), attr.get(), argv.data(), envp.data());
  in.read.reset();
  out.write.reset();
  err.write.reset();
  if (rc != 0) {
    res.spawn_error = std::strerror(rc);
    return res;
  }
  res.end = ProcessResult::End::Exited;

  const std::string_view input = spec.input.value_or(std::string_view{});
  std::size_t written = 0;
  if (spec.input) {
    set_nonblocking(in.write.get());
    if (input.empty()) in.write.reset();
  }
  set_nonblocking(out.read.get());
  set_nonblocking(err.read.get());
  char buf[65536];
  bool killed = false;
  while (out.read.open() || err.read.open()) {
    pollfd fds[3];
    nfds_t n = 0;
    int in_ix = -1, out_ix = -1, err_ix = -1;
    if (in.write.open()) {
      in_ix = static_cast<int>(n);
      fds[n++] = {in.write.get(), POLLOUT, 0};
    }
    if (out.read.open()) {
      out_ix = static_cast<int>(n);
      fds[n++] = {out.read.get(), POLLIN, 0};
    }
    if (err.read.open()) {
      err_ix = static_cast<int>(n);
      fds[n++] = {err.read.get(), POLLIN, 0};
    }
    int wait_ms = -1;
    if (deadline) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
      if (left <= 0) {
        kill_group(pid);
        killed = true;
        res.end = ProcessResult::End::TimedOut;
        break;
      }
      wait_ms = static_cast<int>(std::min<long long>(left, 60'000));
    }
    const int ready = ::poll(fds, n, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      kill_group(pid);
      killed = true;
      break;
    }
    if (in_ix >= 0 && fds[in_ix].revents != 0) {
      const ssize_t w = ::write(in.write.get(), input.data() + written, input.size() - written);
      if (w > 0) {
        written += static_cast<std::size_t>(w);
        if (written == input.size()) in.write.reset();  // end of input
      } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
        in.write.reset();  // EPIPE: the program closed its input
      }
    }
    if (out_ix >= 0 && fds[out_ix].revents != 0) {
      const ssize_t r = ::read(out.read.get(), buf, sizeof buf);
      if (r > 0) {
        if (spec.keep_output) {
          if (spec.max_output > 0 &&
              res.output.size() + static_cast<std::size_t>(r) > spec.max_output) {
            kill_group(pid);
            killed = true;
            res.end = ProcessResult::End::OutputTooLarge;
            break;
          }
          res.output.append(buf, static_cast<std::size_t>(r));
        }
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        out.read.reset();
      }
    }
    if (err_ix >= 0 && fds[err_ix].revents != 0) {
      const ssize_t r = ::read(err.read.get(), buf, sizeof buf);
      if (r > 0) {
        const std::size_t room = spec.max_errors - std::min(spec.max_errors, res.errors.size());
        res.errors.append(buf, std::min(room, static_cast<std::size_t>(r)));
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        err.read.reset();
      }
    }
  }
  in.write.reset();
  res.input_complete = written == input.size();
  const ProcessResult::End before = res.end;
  const int status = reap(pid, killed ? std::nullopt : deadline, killed);
  if (before != ProcessResult::End::Exited) return res;  // timed out or too much output
  if (killed) {
    res.end = ProcessResult::End::TimedOut;
  } else if (WIFSIGNALED(status)) {
    res.end = ProcessResult::End::Signaled;
    res.code = WTERMSIG(status);
  } else {
    res.code = WEXITSTATUS(status);
  }
  return res;
}

}  // namespace zest::base
