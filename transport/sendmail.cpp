#include "transport/sendmail.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

extern char** environ;

namespace zest::transport {
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

class SpawnActions {
 public:
  SpawnActions() { posix_spawn_file_actions_init(&fa_); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&fa_); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  posix_spawn_file_actions_t* get() { return &fa_; }

 private:
  posix_spawn_file_actions_t fa_;
};

// The first line the program wrote to standard error (or output), bounded.
std::string first_line(std::FILE* f) {
  std::rewind(f);
  char buf[512] = {};
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::string s(buf, n);
  if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Writes all of `data` to a non-blocking socket before `deadline`; false on
// a closed reader or the deadline.
bool write_all(int fd, std::string_view data, Clock::time_point deadline) {
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
      continue;
    }
    return false;  // EPIPE: the program stopped reading
  }
  return true;
}

// waitpid until `deadline`; then the program is killed. The exit status, or
// nullopt when it had to be killed.
std::optional<int> wait_until(pid_t pid, Clock::time_point deadline) {
  int status = 0;
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (Clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return std::nullopt;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

}  // namespace

Status run_sendmail(const std::string& program, std::string_view from,
                    std::span<const std::string> rcpts, std::string_view message,
                    long timeout_seconds) {
  const auto deadline =
      Clock::now() + std::chrono::seconds(timeout_seconds > 0 ? timeout_seconds : 30);
  // -i: a line of a single "." is not the end; "-f <>" for the null sender;
  // "--" so that no recipient is taken for an option.
  std::vector<std::string> args = {program, "-i", "-f", from.empty() ? "<>" : std::string(from),
                                   "--"};
  args.insert(args.end(), rcpts.begin(), rcpts.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  // Standard input is a socket, so that a program that exits early gives
  // EPIPE (MSG_NOSIGNAL) instead of SIGPIPE in zestd.
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return Status::failure("sendmail_path " + program + ": socketpair: " + std::strerror(errno));
  Fd ours(sv[0]), theirs(sv[1]);
  ::shutdown(theirs.get(), SHUT_WR);
  std::unique_ptr<std::FILE, FileCloser> err(std::tmpfile());
  if (!err)
    return Status::failure("sendmail_path " + program + ": tmpfile: " + std::strerror(errno));
  ::fcntl(fileno(err.get()), F_SETFD, FD_CLOEXEC);
  SpawnActions fa;
  posix_spawn_file_actions_adddup2(fa.get(), theirs.get(), 0);
  posix_spawn_file_actions_adddup2(fa.get(), fileno(err.get()), 1);
  posix_spawn_file_actions_adddup2(fa.get(), fileno(err.get()), 2);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, program.c_str(), fa.get(), nullptr, argv.data(), environ);
  theirs.reset();
  if (rc != 0) return Status::failure(program + ": cannot run: " + std::strerror(rc));

  // sendmail reads LF line ends.
  std::string data;
  data.reserve(message.size());
  for (char c : message)
    if (c != '\r') data += c;
  if (!data.empty() && data.back() != '\n') data += '\n';
  ::fcntl(ours.get(), F_SETFL, ::fcntl(ours.get(), F_GETFL) | O_NONBLOCK);
  const bool written = write_all(ours.get(), data, deadline);
  ours.reset();  // end of input
  const auto status = wait_until(pid, deadline);
  std::fflush(err.get());
  const std::string said = first_line(err.get());
  const std::string tail = said.empty() ? "" : ": " + said;
  if (!status)
    return Status::failure(program + " did not finish within " + std::to_string(timeout_seconds) +
                           " seconds (killed)");
  if (WIFSIGNALED(*status))
    return Status::failure(program + " was killed by signal " + std::to_string(WTERMSIG(*status)) +
                           tail);
  if (WEXITSTATUS(*status) != 0)
    return Status::failure(program + " failed (exit status " +
                           std::to_string(WEXITSTATUS(*status)) + ")" + tail);
  if (!written) return Status::failure(program + " did not read the whole message" + tail);
  return Status::success();
}

}  // namespace zest::transport
