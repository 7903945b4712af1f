// Pigeonhole's extprograms (draft-bosch-sieve-extprograms):
//   pipe [:copy] [:try] <program-name> [<arguments>]          vnd.dovecot.pipe
//   filter <program-name> [<arguments>]          (also a test) vnd.dovecot.filter
//   execute [:input <data> / :pipe] [:output <varname>]
//           <program-name> [<arguments>]         (also a test) vnd.dovecot.execute
// The program name is a constant: no '/', no control characters, at most
// 128 characters, so it can only name a file in the directory the host
// configures. filter and execute run while the script runs (through
// Host::run_external); pipe is an action carried out with the result.
#include "interp/ext/extprograms.hpp"

#include <charconv>

#include "base/text.hpp"
#include "base/utf8.hpp"
#include "interp/checker.hpp"
#include "interp/ext/action_tags.hpp"
#include "interp/ext/variables.hpp"
#include "interp/memory_budget.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"
#include "mail/message.hpp"

namespace zest::interp {

std::string_view program_kind_name(ProgramKind kind) {
  switch (kind) {
    case ProgramKind::Pipe:
      return "pipe";
    case ProgramKind::Filter:
      return "filter";
    case ProgramKind::Execute:
      return "execute";
  }
  return "execute";
}

std::optional<std::chrono::milliseconds> parse_program_timeout(std::string_view text) {
  text = base::trim(text, " \t");
  std::uint64_t n = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc() || p == text.data() || n > 1'000'000'000) return std::nullopt;
  const std::string unit = base::to_lower(base::trim(std::string_view(p, end - p), " "));
  std::uint64_t ms = 0;
  if (unit.empty() || unit == "s" || unit == "sec" || unit == "secs" || unit == "second" ||
      unit == "seconds")
    ms = n * 1000;
  else if (unit == "ms" || unit == "msec" || unit == "msecs")
    ms = n;
  else if (unit == "m" || unit == "min" || unit == "mins" || unit == "minute" || unit == "minutes")
    ms = n * 60'000;
  else if (unit == "h" || unit == "hour" || unit == "hours")
    ms = n * 3'600'000;
  else if (unit == "d" || unit == "day" || unit == "days")
    ms = n * 86'400'000;
  else
    return std::nullopt;
  return std::chrono::milliseconds(ms);
}

Result<ExtProgramSettings> extprogram_settings(const EngineSettings& settings, ProgramKind kind) {
  using R = Result<ExtProgramSettings>;
  const std::string k(program_kind_name(kind));
  ExtProgramSettings out;
  out.bin_dir = settings.value(k + "_bin_dir");
  if (const std::string t = settings.value(k + "_exec_timeout"); !t.empty()) {
    const auto ms = parse_program_timeout(t);
    if (!ms) return R::failure(k + "_exec_timeout: invalid duration '" + t + "'");
    out.timeout = *ms;
  }
  const std::string eol = base::to_lower(base::trim(settings.value(k + "_input_eol", "crlf"), " "));
  if (eol != "crlf" && eol != "lf")
    return R::failure(k + "_input_eol: must be \"crlf\" or \"lf\", not '" + eol + "'");
  out.crlf = eol == "crlf";
  if (kind != ProgramKind::Pipe) {
    const std::string fallback = kind == ProgramKind::Filter ? "64M" : "1M";
    const std::string m = settings.value(k + "_max_output", fallback);
    const auto bytes = parse_memory_size(m);
    if (!bytes) return R::failure(k + "_max_output: invalid size '" + m + "'");
    out.max_output = *bytes;
  }
  return out;
}

namespace {

constexpr Slot kProgram = 0, kArgs = 1;
constexpr Slot kTry = 16, kInput = 17, kPipeInput = 18, kOutput = 19;
constexpr std::size_t kMaxNameChars = 128;
constexpr std::size_t kMaxArgBytes = 1024;

// Pigeonhole's rules for a program name (sieve_extprogram_name_is_valid).
bool valid_program_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameChars * 4) return false;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < name.size();) {
    const std::size_t n = base::utf8_sequence_length(name, i);
    if (n == 0) return false;
    std::uint32_t cp = static_cast<unsigned char>(name[i]);
    if (n > 1) {
      cp &= 0xFFu >> (n + 1);
      for (std::size_t k = 1; k < n; ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(name[i + k]) & 0x3F);
    }
    if (cp <= 0x1F || cp == '/' || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0xFF ||
        cp == 0x2028 || cp == 0x2029)
      return false;
    i += n;
    ++chars;
  }
  return chars <= kMaxNameChars;
}

bool valid_program_arg(std::string_view arg) {
  return arg.size() <= kMaxArgBytes && arg.find_first_of("\r\n") == std::string_view::npos;
}

std::string sanitize(std::string_view s, std::size_t max = 80) {
  std::string out;
  for (char c : s.substr(0, max)) out += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
  return s.size() > max ? out + "..." : out;
}

void check_program(CheckContext& ctx, CheckedCall& call) {
  const std::string what = call.spec->name + (call.spec->is_test ? " test" : " command");
  if (const CheckedArg* p = call.find(kProgram)) {
    if (!p->constant()) {
      ctx.error(p->loc,
                "the " + what + " requires a constant string for its program-name argument");
      return;
    }
    if (!valid_program_name(p->str())) {
      ctx.error(p->loc, what + ": invalid program name '" + sanitize(p->str()) + "'");
      return;
    }
  }
  if (const CheckedArg* a = call.find(kArgs)) {
    for (std::size_t i = 0; i < a->strings.size(); ++i) {
      if (i < a->templates.size() && a->templates[i]) continue;
      if (!valid_program_arg(a->strings[i])) {
        ctx.error(a->loc, what + ": specified external program argument '" +
                              sanitize(a->strings[i], 128) + "' is invalid");
        return;
      }
    }
  }
}

// The arguments as the script gives them now; nullopt (after a run-time
// error) when one holds a line break.
std::optional<std::vector<std::string>> program_args(Runtime& rt, const Args& a) {
  std::vector<std::string> args = rt.strings(a, kArgs);
  for (const auto& arg : args)
    if (!valid_program_arg(arg)) {
      rt.fail("specified :args item '" + sanitize(arg, 128) + "' is invalid");
      return std::nullopt;
    }
  return args;
}

CommandSpec program_command(std::string name, std::string extension, bool is_test) {
  CommandSpec s;
  s.name = std::move(name);
  s.is_test = is_test;
  s.extension = std::move(extension);
  s.positional = {{"program-name", ArgKind::String}, {"arguments", ArgKind::StringList}};
  s.optional_trailing = 1;
  s.check = check_program;
  return s;
}

// A failure of filter/execute: a run-time error for the command, a logged
// error and "false" for the test.
bool report(Runtime& rt, bool is_test, std::string_view action, const ProgramResult& r,
            const std::string& program) {
  using S = ProgramResult::Status;
  if (r.status == S::Ok) return true;
  if (r.status == S::False) {
    rt.log(LogLevel::Info, std::string(action) + " action: program '" + sanitize(program) +
                               "' indicated false result" +
                               (r.detail.empty() ? "" : " (" + r.detail + ")"));
    return false;
  }
  std::string msg = std::string(action) + " action: ";
  if (r.status == S::NotFound)
    msg += "program '" + sanitize(program) + "' not found";
  else
    msg += "failed to execute to program '" + sanitize(program) + "'";
  if (!r.detail.empty()) msg += ": " + r.detail;
  if (is_test)
    rt.log(LogLevel::Error, msg);
  else
    rt.fail(msg);
  return false;
}

bool run_filter(Runtime& rt, const Args& a, bool is_test) {
  auto args = program_args(rt, a);
  if (!args) return false;
  ProgramCall call;
  call.kind = ProgramKind::Filter;
  call.name = rt.string(*a.find(kProgram));
  call.args = std::move(*args);
  call.input = std::string(rt.message().raw());
  call.want_output = true;
  call.envelope = &rt.envelope();
  if (rt.tracing(1)) rt.trace("filter action: program '" + sanitize(call.name) + "'");
  ProgramResult r = rt.host().run_external(call);
  if (!report(rt, is_test, "filter", r, call.name)) return false;
  // The output replaces the message for the rest of the script and for
  // the actions added from now on, as editheader's edits do.
  rt.actions().set_edited_message(&rt.original_message(),
                                  std::make_shared<const mail::Message>(std::move(r.output)));
  if (rt.tracing(1)) rt.trace("filter action: changed message");
  return true;
}

bool run_execute(Runtime& rt, const Args& a, bool is_test) {
  auto args = program_args(rt, a);
  if (!args) return false;
  ProgramCall call;
  call.kind = ProgramKind::Execute;
  call.name = rt.string(*a.find(kProgram));
  call.args = std::move(*args);
  if (a.has(kPipeInput))
    call.input = std::string(rt.message().raw());
  else if (auto in = rt.string(a, kInput))
    call.input = std::move(*in);
  const ArgValue* out = a.find(kOutput);
  call.want_output = out != nullptr;
  call.envelope = &rt.envelope();
  if (rt.tracing(1)) rt.trace("execute action: program '" + sanitize(call.name) + "'");
  ProgramResult r = rt.host().run_external(call);
  if (!report(rt, is_test, "execute", r, call.name)) return false;
  if (out) variables::set(rt, rt.raw(*out), std::move(r.output));
  return true;
}

void add_filter(Registry& r, bool is_test) {
  CommandSpec s = program_command("filter", "vnd.dovecot.filter", is_test);
  if (is_test)
    s.test = [](Runtime& rt, const Args& a) { return run_filter(rt, a, true); };
  else
    s.run = [](Runtime& rt, const Args& a) { run_filter(rt, a, false); };
  r.add_command(std::move(s));
}

void add_execute(Registry& r, bool is_test) {
  CommandSpec s = program_command("execute", "vnd.dovecot.execute", is_test);
  s.tags = {{"input", kInput, ArgKind::String, "input-data"},
            {"pipe", kPipeInput},
            {"output", kOutput, ArgKind::String, "varname"}};
  s.literal_slots = {kOutput};
  s.check = [](CheckContext& ctx, CheckedCall& call) {
    const std::string what = call.spec->name + (call.spec->is_test ? " test" : " command");
    if (const CheckedArg* in = call.find(kInput); in && call.find(kPipeInput)) {
      ctx.error(in->loc, "the " + what + " accepts :input or :pipe, not both");
      return;
    }
    if (const CheckedArg* out = call.find(kOutput)) {
      if (!ctx.has("variables")) {
        ctx.error(out->loc,
                  "the " + what + " accepts :output only when the variables extension is required");
        return;
      }
      if (auto err = variables::check_name(ctx, out->str(), true)) {
        ctx.error(out->loc, *err);
        return;
      }
    }
    check_program(ctx, call);
  };
  if (is_test)
    s.test = [](Runtime& rt, const Args& a) { return run_execute(rt, a, true); };
  else
    s.run = [](Runtime& rt, const Args& a) { run_execute(rt, a, false); };
  r.add_command(std::move(s));
}

}  // namespace

void register_extprograms(Registry& r) {
  r.add_extension({"vnd.dovecot.pipe"});
  r.add_extension({"vnd.dovecot.filter"});
  r.add_extension({"vnd.dovecot.execute"});

  CommandSpec pipe = program_command("pipe", "vnd.dovecot.pipe", false);
  pipe.tags = {{"try", kTry}, {"copy", kSlotCopy, ArgKind::None, {}, "copy"}};
  pipe.run = [](Runtime& rt, const Args& a) {
    auto args = program_args(rt, a);
    if (!args) return;
    PipeAction p;
    p.program = rt.string(*a.find(kProgram));
    p.args = std::move(*args);
    p.try_ = a.has(kTry);
    p.copy = a.has(kSlotCopy);
    rt.check(rt.actions().pipe(std::move(p)));
  };
  r.add_command(std::move(pipe));
  add_filter(r, false);
  add_filter(r, true);
  add_execute(r, false);
  add_execute(r, true);
}

}  // namespace zest::interp
