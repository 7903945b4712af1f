// sieve-test: run one script against one message and show the actions.
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/allocator.hpp"
#include "base/file.hpp"
#include "config/config.hpp"
#include "config/notify_setup.hpp"
#include "config/server_config.hpp"
#include "delivery/ext_programs.hpp"
#include "interp/vm.hpp"
#include "mail/message.hpp"
#include "methods/notifier.hpp"
#include "store/maildir.hpp"
#include "tools/result_format.hpp"
#include "tools/script_run.hpp"
#include "tools/tool_common.hpp"
#include "tools/tool_host.hpp"
#include "transport/notify_transport.hpp"

namespace {

using namespace zest;

class StreamTrace : public interp::TraceSink {
 public:
  explicit StreamTrace(std::ostream& out) : out_(out) {}
  void trace(std::string_view line) override { out_ << line << "\n"; }

 private:
  std::ostream& out_;
};

int trace_level(std::string_view s) {
  if (s == "none") return 0;
  if (s == "actions") return 1;
  if (s == "commands") return 2;
  if (s == "tests") return 3;
  if (s == "matching") return 4;
  return -1;
}

struct TraceOptions {
  int level = 3;  // tests
  bool debug = false, addresses = false;
};

// -T as Pigeonhole's sieve-test(1): "level=LEVEL", "debug", "addresses",
// given once each; a bare level name is accepted too.
std::optional<std::string> apply_trace_option(TraceOptions& t, std::string_view opt) {
  if (opt == "debug") {
    t.debug = true;
  } else if (opt == "addresses") {
    t.addresses = true;
  } else {
    const std::string_view name = opt.starts_with("level=") ? opt.substr(6) : opt;
    const int level = trace_level(name);
    if (level < 0) return "unknown trace level '" + std::string(name) + "'";
    t.level = level;
  }
  return std::nullopt;
}

// Who vnd.dovecot.pipe/filter/execute programs run for: the user running
// sieve-test (USER, HOME) on `hostname` (HOST).
delivery::ProgramOwner program_owner(std::string hostname) {
  delivery::ProgramOwner owner;
  if (const passwd* pw = ::getpwuid(::geteuid())) {
    owner.user = pw->pw_name;
    owner.home = pw->pw_dir;
  }
  if (const char* home = std::getenv("HOME"); home && *home) owner.home = home;
  if (hostname.empty()) {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) == 0) hostname = name;
  }
  owner.host = std::move(hostname);
  return owner;
}

}  // namespace

int main(int argc, char** argv) {
  zest::base::tune_allocator();
  CLI::App app{"Run a Sieve script against a message and show the resulting actions"};
  app.set_version_flag("--version", "sieve-test (zest) " ZEST_VERSION_STRING);
  std::string script_path, message_path, sender, recipient, orig_recipient, extensions;
  std::string trace_file, dump_file, config_file, maildir_path;
  std::vector<std::string> trace_options, before_scripts;
  std::string default_mailbox;
  bool force_compile = false, execute = false, json = false;
  app.add_option("SCRIPT", script_path, "Sieve script (or compiled .svbc)")->required();
  app.add_option("MESSAGE", message_path, "RFC 5322 message file, or - for standard input")
      ->required();
  app.add_option("-f", sender, "envelope sender");
  app.add_option("-r", recipient, "envelope recipient");
  app.add_option("-a", orig_recipient, "original envelope recipient");
  app.add_option("-s", before_scripts,
                 "a script run before SCRIPT (repeatable; run in the order given)")
      ->allow_extra_args(false);
  app.add_option("-m", default_mailbox,
                 "default mailbox: where keep and the implicit keep store (default INBOX)");
  app.add_option("-x", extensions, "enable/disable extensions: \"+ext -ext\"");
  app.add_option("-t", trace_file, "write a trace to FILE (- for standard output)");
  app.add_option("-T", trace_options,
                 "trace option (repeatable): level=actions|commands|tests|matching, debug, "
                 "addresses")
      ->allow_extra_args(false);
  app.add_option("-d", dump_file, "dump the compiled program to FILE (- for standard output)");
  app.add_flag("-C", force_compile, "compile the script even if a compiled binary is up to date");
  app.add_option("-c", config_file, "engine settings from a zest configuration file");
  app.add_option("-l", maildir_path, "a Maildir whose folders answer mailboxexists");
  app.add_flag("-e", execute, "execute the actions (store into the -l Maildir)");
  app.add_flag("--json", json, "print the canonical JSON result");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : tools::kExitUsage;
  }

  interp::Registry registry;
  interp::EngineSettings settings;
  std::optional<transport::NotifyConfig> notify_config;
  std::string hostname;
  if (!config_file.empty()) {
    // The zest configuration as zestd reads it: [sieve], and [notify] /
    // [submission] for the limits and, with -e, the transports.
    auto loaded = config::load_server_config(config_file);
    if (!loaded) {
      std::cerr << "sieve-test: " << loaded.error() << "\n";
      return tools::kExitUsage;
    }
    settings = config::engine_settings(loaded.value());
    notify_config = config::notify_config(loaded.value());
    hostname = loaded.value().hostname;
  }
  if (!extensions.empty()) {
    if (auto applied = config::apply_extension_changes(settings, extensions,
                                                       tools::all_capabilities(registry));
        !applied) {
      std::cerr << "sieve-test: -x: " << applied.error() << "\n";
      return tools::kExitUsage;
    }
  }
  TraceOptions trace_opts;
  for (const auto& o : trace_options)
    if (auto err = apply_trace_option(trace_opts, o)) {
      std::cerr << "sieve-test: -T: " << *err << "\n";
      return tools::kExitUsage;
    }
  if (execute && maildir_path.empty()) {
    std::cerr << "sieve-test: -e needs a Maildir given with -l\n";
    return tools::kExitUsage;
  }

  std::optional<std::string> raw;
  if (message_path == "-") {
    raw = std::string(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    raw = base::read_file(message_path);
  }
  if (!raw) {
    std::cerr << "sieve-test: " << message_path << ": cannot read message\n";
    return tools::kExitUsage;
  }
  const mail::Message msg(std::move(*raw));

  // The -s scripts, then the main script (Pigeonhole's multiscript run).
  std::vector<tools::LoadedScript> loaded;
  std::vector<std::string> names = before_scripts;
  names.push_back(script_path);
  for (const auto& path : names) {
    loaded.push_back(tools::load_script(path, registry, settings, !force_compile));
    const auto& script = loaded.back();
    for (const auto& d : script.diagnostics) std::cerr << d << "\n";
    if (!script.program) {
      if (json)
        std::cout << tools::format_json(tools::RunStatus::CompileError, {}, script.diagnostics,
                                        default_mailbox);
      else
        std::cerr << "sieve-test: failed to compile sieve script " << path << "\n";
      return tools::kExitCompileError;
    }
  }
  const auto& script = loaded.back();
  std::vector<tools::NamedProgram> programs;
  for (std::size_t i = 0; i < loaded.size(); ++i)
    programs.push_back({&*loaded[i].program, i + 1 == loaded.size()
                                                 ? std::filesystem::path(names[i]).stem().string()
                                                 : names[i]});
  if (!dump_file.empty()) {
    const std::string dump = interp::disassemble(*script.program);
    if (dump_file == "-")
      std::cout << dump;
    else
      tools::write_file(dump_file, dump);
  }

  interp::Envelope env;
  env.from = !sender.empty() ? sender
                             : tools::first_address(msg, {"Return-Path", "Sender", "From"},
                                                    "sender@example.com");
  if (sender == "<>") env.from.clear();
  env.to = !recipient.empty()
               ? recipient
               : tools::first_address(msg, {"Envelope-To", "To"}, "recipient@example.com");
  env.orig_to = !orig_recipient.empty() ? orig_recipient : env.to;

  std::optional<store::Maildir> maildir;
  if (!maildir_path.empty()) maildir.emplace(maildir_path);
  tools::ToolHost host(maildir ? &*maildir : nullptr, "sieve-test", settings.ext_lists);
  // vnd.dovecot.filter / execute run their programs while the script runs
  // (with and without -e, as in Pigeonhole's sieve-test); vnd.dovecot.pipe
  // runs only with -e, when the result is carried out. Programs come from
  // the [sieve] <kind>_bin_dir of -c, run as for a delivery to -r.
  const delivery::ProgramOwner owner = program_owner(hostname);
  auto run_program = [&](const interp::ProgramCall& call) {
    return delivery::run_ext_program(settings, owner, call, [](std::string_view line) {
      std::cerr << "sieve-test: program: " << line << "\n";
    });
  };
  host.set_program_runner(run_program);

  std::ofstream trace_out;
  std::optional<StreamTrace> trace;
  if (!trace_file.empty()) {
    if (trace_file != "-") trace_out.open(trace_file);
    if (trace_file != "-" && !trace_out) {
      std::cerr << "sieve-test: -t: cannot write " << trace_file << "\n";
      return tools::kExitUsage;
    }
    trace.emplace(trace_file == "-" ? std::cout : trace_out);
    trace->level = trace_opts.level;
    trace->debug = trace_opts.debug;
    trace->addresses = trace_opts.addresses;
  }
  const interp::RunOutput out =
      tools::run_scripts(programs, msg, env, host, settings, registry, trace ? &*trace : nullptr);
  const bool ok = out.status == interp::RunOutput::Status::Ok;
  for (const auto& e : out.errors)
    std::cerr << (before_scripts.empty() ? script_path + ": " : std::string()) << e << "\n";
  const std::string keep_mailbox = default_mailbox.empty() ? "INBOX" : default_mailbox;

  bool pipe_failed = false;
  if (execute && ok) {
    auto store_into = [&](const std::string& mailbox, const interp::Flags& flags, bool create) {
      if (create || mailbox == "INBOX" || mailbox == keep_mailbox)
        (void)maildir->create_folder(mailbox);
      auto r = maildir->deliver(mailbox, msg.raw(), flags);
      if (!r)
        std::cerr << "sieve-test: error: failed to store into mailbox '" << mailbox
                  << "': " << r.error() << "\n";
      else
        std::cerr << "sieve-test: info: stored message in '" << mailbox << "'\n";
    };
    // Notifications really go out with -c (the configured transports).
    std::optional<transport::NetworkTransport> transport;
    std::optional<methods::MethodRegistry> methods_reg;
    methods::NotifierState notify_state;
    if (notify_config) {
      transport.emplace(*notify_config);
      methods_reg.emplace(methods::standard_methods(notify_config->policy));
    }
    auto send_notification = [&](const interp::NotifyAction& n) {
      if (!notify_config) {
        std::cerr << "sieve-test: info: notify not executed: no configuration given (-c)\n";
        return;
      }
      methods::Notifier notifier(*methods_reg, notify_config->policy, notify_config->limits,
                                 *transport, notify_state);
      methods::Trigger trigger = methods::make_trigger(msg, env.from, env.to, env.to);
      trigger.now = std::time(nullptr);
      trigger.nonce = methods::make_nonce();
      const auto r = notifier.notify({n.uri, n.from, n.importance, n.options, n.message}, trigger);
      const char* what = r.status == methods::NotifyOutcome::Status::Sent      ? "info"
                         : r.status == methods::NotifyOutcome::Status::Skipped ? "info"
                                                                               : "error";
      std::cerr << "sieve-test: " << what << ": notify " << n.uri << ": " << r.detail << "\n";
    };
    // vnd.dovecot.pipe: the program gets the message; a failure is an
    // error (with :try, a warning), as when a delivery carries it out.
    auto pipe_to = [&](const interp::PipeAction& p) {
      interp::ProgramCall call;
      call.kind = interp::ProgramKind::Pipe;
      call.name = p.program;
      call.args = p.args;
      call.input = std::string(msg.raw());
      call.envelope = &env;
      const interp::ProgramResult r = run_program(call);
      if (r.status == interp::ProgramResult::Status::Ok) {
        std::cerr << "sieve-test: info: pipe: message piped to program '" << p.program << "'\n";
        return;
      }
      std::cerr << "sieve-test: " << (p.try_ ? "warning" : "error")
                << ": failed to pipe message to program '" << p.program << "'"
                << (r.detail.empty() ? "" : ": " + r.detail) << "\n";
      if (!p.try_) pipe_failed = true;
    };
    for (const auto& a : out.actions) {
      if (const auto* n = std::get_if<interp::NotifyAction>(&a))
        send_notification(*n);
      else if (const auto* k = std::get_if<interp::KeepAction>(&a))
        store_into(k->from_fileinto ? "INBOX" : keep_mailbox, k->flags, true);
      else if (const auto* f = std::get_if<interp::FileintoAction>(&a))
        store_into(f->mailbox, f->flags, f->create);
      else if (const auto* p = std::get_if<interp::PipeAction>(&a))
        pipe_to(*p);
      else if (!std::holds_alternative<interp::DiscardAction>(a))
        std::cerr << "sieve-test: info: " << interp::action_name(a)
                  << " not executed: no transport is configured in sieve-test\n";
    }
    if (out.implicit_keep) store_into(keep_mailbox, out.implicit_keep_flags, true);
  }

  if (json) {
    std::cout << tools::format_json(ok ? tools::RunStatus::Ok : tools::RunStatus::RuntimeError, out,
                                    out.errors, default_mailbox);
  } else {
    std::cout << tools::format_text(out, default_mailbox);
  }
  return ok && !pipe_failed ? tools::kExitOk : tools::kExitRuntimeError;
}
