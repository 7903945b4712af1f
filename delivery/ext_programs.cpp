#include "delivery/ext_programs.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "base/crlf.hpp"
#include "base/subprocess.hpp"
#include "interp/ext/extprograms.hpp"
#include "mail/address.hpp"

namespace zest::delivery {
namespace {

using interp::ProgramResult;
using Status = ProgramResult::Status;

// The data with every line end as the program wants it.
std::string with_line_ends(std::string_view data, bool crlf) {
  const std::string lf = base::normalize_line_ends(data);
  if (!crlf) return lf;
  std::string out;
  out.reserve(lf.size() + lf.size() / 32);
  for (char c : lf) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

std::string seconds_text(std::chrono::milliseconds ms) {
  if (ms.count() % 1000 == 0) return std::to_string(ms.count() / 1000) + " s";
  return std::to_string(ms.count()) + " ms";
}

void add_env(std::vector<std::string>& env, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  std::string v(value);
  for (char& c : v)
    if (c == '\0' || c == '\n' || c == '\r') c = ' ';
  env.push_back(std::string(name) + "=" + v);
}

}  // namespace

ProgramResult run_ext_program(const interp::EngineSettings& settings, const ProgramOwner& owner,
                              const interp::ProgramCall& call,
                              const std::function<void(std::string_view)>& log) {
  const std::string kind(interp::program_kind_name(call.kind));
  auto fail = [&](Status s, std::string detail) {
    if (s == Status::Failed) log("action " + kind + ": program '" + call.name + "': " + detail);
    return ProgramResult{s, {}, std::move(detail)};
  };
  const auto cfg = interp::extprogram_settings(settings, call.kind);
  if (!cfg) return fail(Status::Failed, "[sieve] " + cfg.error());
  if (cfg->bin_dir.empty())
    return fail(Status::NotFound,
                "vnd.dovecot." + kind + " is not configured ([sieve] " + kind + "_bin_dir)");
  // The interpreter checked the name already; the directory rule is kept
  // here too, whoever the caller is.
  if (call.name.empty() || call.name == "." || call.name == ".." ||
      call.name.find('/') != std::string::npos || call.name.find('\0') != std::string::npos)
    return fail(Status::NotFound, "invalid program name");
  const std::string path = cfg->bin_dir + "/" + call.name;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      log("action " + kind + ": program '" + call.name + "': no " + path);
      return fail(Status::NotFound, "not in " + kind + "_bin_dir");
    }
    return fail(Status::Failed, "cannot stat " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return fail(Status::Failed, path + " is not a regular file");
  if ((st.st_mode & S_IWOTH) != 0) return fail(Status::Failed, path + " is world-writable");

  base::ProcessSpec spec;
  spec.path = path;
  spec.argv.push_back(path);
  spec.argv.insert(spec.argv.end(), call.args.begin(), call.args.end());
  spec.env.push_back("PATH=/usr/local/bin:/usr/bin:/bin");
  add_env(spec.env, "HOME", owner.home);
  add_env(spec.env, "USER", owner.user);
  add_env(spec.env, "HOST", owner.host);
  if (call.envelope) {
    add_env(spec.env, "SENDER", mail::envelope_address(call.envelope->from));
    add_env(spec.env, "RECIPIENT", mail::envelope_address(call.envelope->to));
    add_env(spec.env, "ORIG_RECIPIENT", mail::envelope_address(call.envelope->orig_to));
  }
  std::string input;
  if (call.input) {
    input = with_line_ends(*call.input, cfg->crlf);
    spec.input = input;
  }
  spec.timeout = cfg->timeout;
  spec.keep_output = call.want_output;
  spec.max_output = cfg->max_output;
  const base::ProcessResult r = base::run_process(spec);

  // Standard error goes to the log, line by line.
  std::string_view errs = r.errors;
  while (!errs.empty()) {
    const std::size_t nl = errs.find('\n');
    const std::string_view line = errs.substr(0, nl);
    if (!line.empty())
      log("action " + kind + ": program '" + call.name + "' stderr: " + std::string(line));
    if (nl == std::string_view::npos) break;
    errs.remove_prefix(nl + 1);
  }
  using End = base::ProcessResult::End;
  switch (r.end) {
    case End::SpawnFailed:
      return fail(Status::Failed, "cannot run " + path + ": " + r.spawn_error);
    case End::TimedOut:
      return fail(Status::Failed, "timed out after " + seconds_text(cfg->timeout) +
                                      " (the process group was killed)");
    case End::OutputTooLarge:
      return fail(Status::Failed, "output exceeds " + kind + "_max_output (" +
                                      std::to_string(cfg->max_output) +
                                      " bytes; the process group was killed)");
    case End::Signaled:
      return fail(Status::Failed, "killed by signal " + std::to_string(r.code));
    case End::Exited:
      break;
  }
  if (r.code != 0) return ProgramResult{Status::False, {}, "exit status " + std::to_string(r.code)};
  if (!r.input_complete) return fail(Status::Failed, "the program did not read all of its input");
  ProgramResult ok{Status::Ok, {}, {}};
  if (call.want_output)
    ok.output =
        call.kind == interp::ProgramKind::Filter ? base::normalize_line_ends(r.output) : r.output;
  return ok;
}

}  // namespace zest::delivery
