// sieve-filter: run a Sieve script over every message of a stored Maildir
// folder (Pigeonhole's sieve-filter(1)); a dry run unless -e.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/allocator.hpp"
#include "config/config.hpp"
#include "config/notify_setup.hpp"
#include "config/server_config.hpp"
#include "mail/message.hpp"
#include "store/maildir.hpp"
#include "store/maildir_walk.hpp"
#include "tools/folder_filter.hpp"
#include "tools/result_format.hpp"
#include "tools/script_run.hpp"
#include "tools/tool_common.hpp"
#include "tools/tool_host.hpp"
#include "tools/user_maildir.hpp"

namespace {

using namespace zest;
namespace fs = std::filesystem;

// SIGINT/SIGTERM are blocked for the run and polled between messages, so a
// message is always finished before the tool stops. Returns the signal.
int pending_stop_signal(const sigset_t& set) {
  const timespec zero{0, 0};
  const int sig = ::sigtimedwait(&set, nullptr, &zero);
  return sig > 0 ? sig : 0;
}

// "[#######.............]  35% 140/400 messages", redrawn in place.
void show_progress(std::size_t done, std::size_t total) {
  constexpr std::size_t kWidth = 30;
  const std::size_t filled = total ? done * kWidth / total : kWidth;
  std::cerr << "\r[" << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] "
            << (total ? done * 100 / total : 100) << "% " << done << "/" << total << " messages"
            << std::flush;
}

}  // namespace

int main(int argc, char** argv) {
  zest::base::tune_allocator();
  CLI::App app{"Run a Sieve script over every message of a stored Maildir folder"};
  app.set_version_flag("--version", "sieve-filter (zest) " ZEST_VERSION_STRING);
  std::string config_file, default_mailbox, extensions, user;
  std::vector<std::string> before, positional;
  bool force_compile = false, execute = false, verbose = false, source_write = false, json = false;
  app.add_option("-c", config_file, "zest configuration file ([sieve], [delivery], [auth] for -u)")
      ->type_name("CONFIG");
  app.add_flag("-C", force_compile, "compile the script even if a compiled binary is up to date");
  app.add_flag("-e", execute,
               "execute: store, flag and delete as the script says (default: dry run)");
  app.add_option("-m", default_mailbox,
                 "default mailbox: where keep stores (default: the source mailbox)")
      ->type_name("MAILBOX");
  app.add_option("-s", before, "a script run before SCRIPT (repeatable)")
      ->allow_extra_args(false)
      ->type_name("SCRIPT");
  app.add_option(
         "-u", user,
         "SOURCE_MAILBOX is a mailbox name of USER (looked up as delivery does: [auth] driver, "
         "[users])")
      ->type_name("USER");
  app.add_flag("-v", verbose, "say what is done with every message");
  app.add_flag("-W", source_write, "allow changes to the source mailbox");
  app.add_option("-x", extensions, "enable/disable extensions: \"+ext -ext\"")
      ->type_name("EXTENSIONS");
  app.add_flag("--json", json, "one canonical JSON result per message (one per line)");
  app.add_option("ARGS", positional, "SCRIPT SOURCE_MAILBOX [keep|move MAILBOX|delete|expunge]")
      ->required();
  app.footer(
      "DISCARD_ACTION:\n"
      "  keep          -e -W leaves a message the script stores nowhere in the source mailbox\n"
      "                (the default)\n"
      "  move MAILBOX  moves it into MAILBOX, which must exist\n"
      "  delete        flags it \\Deleted\n"
      "  expunge       removes it from the source mailbox\n"
      "\n"
      "Exit codes:\n"
      "  0    done\n"
      "  1    a script did not compile, or a message could not be handled (it is left as it was)\n"
      "  64   usage error\n"
      "  67   -u names an unknown user (or a name/template the user lookup refuses)\n"
      "  75   -u: the user database did not answer (try again)\n"
      "  130  interrupted by SIGINT (143: SIGTERM); every message is handled or untouched\n");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : tools::kExitUsage;
  }
  auto usage = [](const std::string& what) {
    std::cerr << "sieve-filter: " << what << "\n";
    return tools::kExitUsage;
  };
  if (positional.size() < 2) return usage("missing SCRIPT or SOURCE_MAILBOX argument");
  tools::FilterOptions opts;
  opts.execute = execute;
  opts.source_write = source_write;  // a dry run with -W says what -e -W would do
  if (positional.size() >= 3) {
    const std::string& a = positional[2];
    if (a == "keep")
      opts.discard = tools::DiscardAction::Keep;
    else if (a == "delete")
      opts.discard = tools::DiscardAction::Delete;
    else if (a == "expunge")
      opts.discard = tools::DiscardAction::Expunge;
    else if (a == "move") {
      if (positional.size() < 4) return usage("the 'move' discard action needs a mailbox");
      opts.discard = tools::DiscardAction::Move;
      opts.move_mailbox = positional[3];
    } else {
      return usage("invalid DISCARD_ACTION '" + a + "'");
    }
    if (positional.size() > (opts.discard == tools::DiscardAction::Move ? 4u : 3u))
      return usage("unexpected argument '" + positional.back() + "'");
  }

  interp::Registry registry;
  interp::EngineSettings settings;
  config::ServerConfig cfg = config::default_server_config();
  if (!config_file.empty()) {
    auto loaded = config::load_server_config(config_file);
    if (!loaded) return usage(loaded.error());
    cfg = std::move(loaded.value());
    settings = config::engine_settings(cfg);
    if (cfg.hierarchy_separator == ".") opts.separator = '.';
  }
  if (!extensions.empty())
    if (auto r = config::apply_extension_changes(settings, extensions,
                                                 tools::all_capabilities(registry));
        !r)
      return usage("-x: " + r.error());

  std::error_code ec;
  if (!user.empty()) {
    // -u: SOURCE_MAILBOX is a mailbox name of that user.
    auto root = tools::user_maildir(cfg, user);
    if (!root) {
      std::cerr << "sieve-filter: -u " << user << ": " << root.error().message << "\n";
      return root.error().temporary ? tools::kExitTempFail : tools::kExitNoUser;
    }
    auto dir = tools::user_folder(root.value(), positional[1], opts.separator);
    if (!dir) return usage(dir.error());
    opts.root = root.value();
    opts.source = dir.value();
  } else {
    opts.source = positional[1];
    if (!store::maildir_exists(opts.source))
      return usage(positional[1] + ": not a Maildir folder (cur/ new/ tmp/)");
    opts.root =
        fs::exists(opts.source / "maildirfolder", ec) ? opts.source.parent_path() : opts.source;
  }
  opts.default_mailbox = default_mailbox;
  if (opts.discard == tools::DiscardAction::Move) {
    auto dir = store::maildir_folder(opts.root, opts.move_mailbox, opts.separator);
    if (!dir || !store::maildir_exists(*dir))
      return usage("mailbox '" + opts.move_mailbox + "' for the move action does not exist");
    if (fs::weakly_canonical(*dir, ec) == fs::weakly_canonical(opts.source, ec))
      return usage("source mailbox and mailbox for the move action are identical");
  }

  std::vector<tools::LoadedScript> loaded;
  std::vector<std::string> names = before;
  names.push_back(positional[0]);
  for (const auto& path : names) {
    loaded.push_back(tools::load_script(path, registry, settings, !force_compile));
    for (const auto& d : loaded.back().diagnostics) std::cerr << d << "\n";
    if (!loaded.back().program) {
      std::cerr << "sieve-filter: failed to compile sieve script " << path << "\n";
      return tools::kExitCompileError;
    }
  }
  std::vector<tools::NamedProgram> programs;
  for (std::size_t i = 0; i < loaded.size(); ++i)
    programs.push_back({&*loaded[i].program, names[i]});

  auto listing = store::list_folder(opts.source);
  if (!listing) {
    std::cerr << "sieve-filter: " << listing.error().message << "\n";
    return 1;
  }
  store::Maildir maildir(opts.root);
  tools::ToolHost host(&maildir, "sieve-filter", settings.ext_lists);

  sigset_t stop_set;
  sigemptyset(&stop_set);
  sigaddset(&stop_set, SIGINT);
  sigaddset(&stop_set, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &stop_set, nullptr);

  const auto& messages = listing.value().messages;
  const bool progress =
      ::isatty(2) && !verbose && messages.size() >= 100 && (execute || json || !::isatty(1));
  std::size_t done = 0, failed = 0, outgoing = 0, skipped = 0;
  int stopped_by = 0;
  for (const auto& m : messages) {
    if ((stopped_by = pending_stop_signal(stop_set)) != 0) break;
    ++done;
    if (progress && (done * 100 / messages.size() != (done - 1) * 100 / messages.size()))
      show_progress(done, messages.size());
    if (m.deleted()) {
      ++skipped;
      continue;
    }
    auto raw = store::read_stored(m);
    if (!raw) {
      ++skipped;  // expunged meanwhile
      continue;
    }
    const mail::Message msg{std::string(*raw)};
    interp::Envelope env;
    env.from = tools::first_address(msg, {"Return-Path", "Sender", "From"}, "");
    env.to =
        tools::first_address(msg, {"Delivered-To", "Envelope-To", "To"}, "recipient@localhost");
    env.orig_to = env.to;
    const interp::RunOutput out =
        tools::run_scripts(programs, msg, env, host, settings, registry, nullptr, m.flags);
    for (const auto& e : out.errors)
      std::cerr << "sieve-filter: " << m.file_name << ": " << e << "\n";
    const tools::FilterPlan plan = tools::plan_message(out, m.flags, opts);
    outgoing += plan.outgoing.size();
    std::optional<std::string> error;
    if (execute)
      error = tools::apply_plan(plan, m, *raw, opts);
    else if (!plan.error.empty())
      error = plan.error;
    if (error) {
      ++failed;
      std::cerr << "sieve-filter: error: " << m.file_name << ": " << *error
                << "; message left in source mailbox\n";
    }
    const auto status = out.status == interp::RunOutput::Status::Ok
                            ? tools::RunStatus::Ok
                            : tools::RunStatus::RuntimeError;
    if (json) {
      auto j = tools::json_result(status, out, out.errors, default_mailbox);
      j["file"] = m.file_name;
      j["uid"] = m.uid ? nlohmann::ordered_json(m.uid) : nlohmann::ordered_json(nullptr);
      j["source"] = tools::describe_source(plan, opts);
      j["outgoing_not_executed"] = plan.outgoing;
      if (error) j["errors"].push_back(*error);
      std::cout << j.dump() << "\n";
    } else if (!execute || verbose) {
      std::cout << ">> Filtering message:\n\n  File:    " << m.file_name << "\n  UID:     " << m.uid
                << "\n  Subject: "
                << std::string(msg.header_raw("Subject").empty() ? std::string_view{}
                                                                 : msg.header_raw("Subject")[0])
                << "\n"
                << tools::format_text(
                       out, default_mailbox.empty() ? "(source mailbox)" : default_mailbox)
                << "Source mailbox:\n\n * " << tools::describe_source(plan, opts) << "\n";
      for (const auto& o : plan.outgoing) std::cout << " * not carried out: " << o << "\n";
      std::cout << "\n";
    }
  }
  if (progress) std::cerr << "\n";
  std::cerr << "sieve-filter: " << (execute ? "" : "dry run: ") << done << " of " << messages.size()
            << " messages handled (" << skipped << " skipped, " << failed << " failed); "
            << outgoing << " outgoing actions not carried out\n";
  if (stopped_by) {
    std::cerr << "sieve-filter: interrupted by signal " << stopped_by << "; "
              << (messages.size() - done) << " messages left untouched\n";
    return 128 + stopped_by;
  }
  return failed ? 1 : 0;
}
