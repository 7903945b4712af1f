// mailto delivery: SMTP submission through CurlSender (one transaction
// per recipient), or a sendmail-compatible program.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "transport/notify_transport.hpp"

extern char** environ;

namespace zest::transport {

Status send_with_sendmail(const MailPayload& p, const std::string& program) {
  // sendmail -i -f <sender> -- rcpt...: -i so a lone "." is not the end;
  // "-f <>" for the null sender.
  std::vector<std::string> args = {program, "-i", "-f",
                                   p.envelope_from.empty() ? "<>" : p.envelope_from, "--"};
  args.insert(args.end(), p.rcpts.begin(), p.rcpts.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  if (pipe(fds) != 0) return Status::failure(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
  posix_spawn_file_actions_addclose(&fa, fds[1]);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, program.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[0]);
  if (rc != 0) {
    close(fds[1]);
    return Status::failure(program + ": " + std::strerror(rc));
  }
  // sendmail reads LF line ends.
  std::string data;
  for (char c : p.message)
    if (c != '\r') data += c;
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = write(fds[1], data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
  close(fds[1]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (off < data.size()) return Status::failure(program + ": could not write the message");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Status::failure(program + " failed (status " + std::to_string(WEXITSTATUS(status)) +
                           ")");
  return Status::success();
}

Status NetworkTransport::send_mail(const MailPayload& p) {
  if (!config_.sendmail.empty()) return send_with_sendmail(p, config_.sendmail);
  for (const auto& rcpt : p.rcpts)
    if (auto s = smtp_.send(p.envelope_from, rcpt, p.message); !s) return s;
  return Status::success();
}

Status NetworkTransport::send_xmpp(const XmppPayload& p) {
  return send_xmpp_notification(p, config_.xmpp);
}

Status NetworkTransport::send_http(const HttpPayload& p) {
  return send_http_notification(p, config_.http, config_.policy.allow_http);
}

}  // namespace zest::transport
