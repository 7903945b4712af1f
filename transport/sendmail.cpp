#include "transport/sendmail.hpp"

#include <chrono>
#include <vector>

#include "base/subprocess.hpp"

extern char** environ;

namespace zest::transport {
namespace {

// The first line of what the program said, bounded, without trailing space.
std::string first_line(std::string_view said) {
  said = said.substr(0, std::min<std::size_t>(said.size(), 511));
  said = said.substr(0, said.find('\n'));
  while (!said.empty() && (said.back() == '\r' || said.back() == ' ')) said.remove_suffix(1);
  return std::string(said);
}

// sendmail keeps our environment (PATH, locale, its own configuration
// variables), as Pigeonhole's does.
std::vector<std::string> inherited_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
  return env;
}

}  // namespace

Status run_sendmail(const std::string& program, std::string_view from,
                    std::span<const std::string> rcpts, std::string_view message,
                    long timeout_seconds) {
  if (timeout_seconds <= 0) timeout_seconds = 30;
  // sendmail reads LF line ends.
  std::string data;
  data.reserve(message.size() + 1);
  for (char c : message)
    if (c != '\r') data += c;
  if (!data.empty() && data.back() != '\n') data += '\n';

  base::ProcessSpec spec;
  spec.path = program;
  // -i: a line of a single "." is not the end; "-f <>" for the null sender;
  // "--" so that no recipient is taken for an option.
  spec.argv = {program, "-i", "-f", from.empty() ? "<>" : std::string(from), "--"};
  spec.argv.insert(spec.argv.end(), rcpts.begin(), rcpts.end());
  spec.env = inherited_environment();
  spec.input = data;
  spec.timeout = std::chrono::seconds(timeout_seconds);
  spec.keep_output = true;  // some sendmails explain a failure on standard output
  spec.max_output = 64 * 1024;
  const base::ProcessResult r = base::run_process(spec);

  const std::string said = first_line(r.errors.empty() ? r.output : r.errors);
  const std::string tail = said.empty() ? "" : ": " + said;
  using End = base::ProcessResult::End;
  switch (r.end) {
    case End::SpawnFailed:
      return Status::failure(program + ": cannot run: " + r.spawn_error);
    case End::TimedOut:
      return Status::failure(program + " did not finish within " + std::to_string(timeout_seconds) +
                             " seconds (killed)");
    case End::OutputTooLarge:
      return Status::failure(program + " wrote more than 64 KiB of output (killed)");
    case End::Signaled:
      return Status::failure(program + " was killed by signal " + std::to_string(r.code) + tail);
    case End::Exited:
      break;
  }
  if (r.code != 0)
    return Status::failure(program + " failed (exit status " + std::to_string(r.code) + ")" + tail);
  if (!r.input_complete) return Status::failure(program + " did not read the whole message" + tail);
  return Status::success();
}

}  // namespace zest::transport
