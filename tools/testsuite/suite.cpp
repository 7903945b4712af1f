#include "tools/testsuite/suite.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/file.hpp"
#include "base/text.hpp"
#include "base/utf8.hpp"
#include "delivery/ext_programs.hpp"
#include "grammar/parse.hpp"
#include "interp/checker.hpp"
#include "interp/comparator.hpp"
#include "interp/compiler.hpp"
#include "interp/ext/index.hpp"
#include "interp/ext_list_name.hpp"
#include "interp/vm.hpp"
#include "mail/address.hpp"
#include "mail/message.hpp"

// The `tst` variable namespace plugs into the variables extension once it
// is part of the build.
#if __has_include("interp/ext/variables.hpp")
#include "interp/ext/variables.hpp"
#define ZEST_TESTSUITE_HAVE_VARIABLES 1
#endif

namespace zest::testsuite {
namespace {

using interp::ArgKind;
using interp::Args;
using interp::BlockStep;
using interp::CommandSpec;
using interp::Runtime;
using interp::Slot;

constexpr std::string_view kExtension = "vnd.dovecot.testsuite";
constexpr Slot kAppendResult = 16, kSmtp = 17, kFolder = 18, kReloadExt = 19, kMailbox = 20;

constexpr std::string_view kDefaultMessage =
    "From: sender@example.com\nTo: recipient@example.org\nSubject: Frop!\n\nFriep!\n";

std::string os_user_name() {
  if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_name) return pw->pw_name;
  return "testsuite";
}

// "123", "4k", "1M", "2G" (Pigeonhole size settings); nullopt when invalid.
std::optional<std::uint64_t> parse_size(std::string_view s) {
  std::uint64_t n = 0;
  std::size_t i = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i)
    n = n * 10 + static_cast<unsigned>(s[i] - '0');
  if (i == 0) return std::nullopt;
  if (i == s.size()) return n;
  if (i + 1 != s.size()) return std::nullopt;
  switch (s[i] | 0x20) {
    case 'k':
      return n << 10;
    case 'm':
      return n << 20;
    case 'g':
      return n << 30;
    default:
      return std::nullopt;
  }
}

// Matching for test_error and test_result_action: like the core match but
// with i;octet as the default comparator (TESTSUITE_SPEC §5.8).
bool suite_match(Runtime& rt, const Args& a, const std::vector<std::string>& values,
                 const std::vector<std::string>& keys) {
  const interp::Comparator* cmp = &interp::octet_comparator();
  if (const auto* c = a.find(interp::kSlotComparator))
    if (const auto* found = rt.registry().comparator(rt.raw(*c))) cmp = found;
  const auto type = static_cast<interp::MatchType>(a.number(interp::kSlotMatchType, 0));
  interp::Relation rel = interp::Relation::Eq;
  if (const auto* r = a.find(interp::kSlotRelation))
    rel = interp::parse_relation(rt.raw(*r)).value_or(interp::Relation::Eq);
  for (const auto& k : keys) {
    if (type == interp::MatchType::Count) {
      if (interp::relation_holds(rel, cmp->compare(std::to_string(values.size()), k))) return true;
      continue;
    }
    for (const auto& v : values) {
      switch (type) {
        case interp::MatchType::Is:
          if (interp::match_is(*cmp, v, k)) return true;
          break;
        case interp::MatchType::Contains:
          if (interp::match_contains(*cmp, v, k)) return true;
          break;
        case interp::MatchType::Matches:
          if (interp::match_wildcard(*cmp, v, k, nullptr)) return true;
          break;
        case interp::MatchType::Value:
          if (interp::relation_holds(rel, cmp->compare(v, k))) return true;
          break;
        default:
          break;
      }
    }
  }
  return false;
}

// Restricts `values` to the :index'th one (1-based); false when absent.
bool apply_index(const Args& a, std::vector<std::string>& values) {
  const auto* idx = a.find(interp::kSlotIndex);
  if (!idx) return true;
  if (idx->number == 0 || idx->number > values.size()) return false;
  values = {values[idx->number - 1]};
  return true;
}

std::string result_action_name(const interp::Action& a) {
  if (const auto* k = std::get_if<interp::KeepAction>(&a); k && k->from_fileinto) return "store";
  const std::string_view n = interp::action_name(a);
  return n == "fileinto" ? "store" : std::string(n);
}

// `test` must be a top-level command; `if false` bodies are not checked.
void check_test_nesting(grammar::Seq<grammar::Node> nodes, bool nested,
                        grammar::Diagnostics& diags) {
  for (const auto& n : nodes) {
    if (n.identifier == "test" && nested)
      diags.error(n.loc, "tests cannot be nested: test command must be issued at top-level");
    const bool dead = (n.identifier == "if" || n.identifier == "elsif") && n.tests.size() == 1 &&
                      n.tests[0].identifier == "false";
    if (!dead) check_test_nesting(n.block, true, diags);
  }
}

std::string level_name(interp::LogLevel l) {
  switch (l) {
    case interp::LogLevel::Debug:
      return "debug";
    case interp::LogLevel::Info:
      return "info";
    case interp::LogLevel::Warning:
      return "warning";
    case interp::LogLevel::Error:
      return "error";
  }
  return "?";
}

}  // namespace

Suite::Suite(interp::Registry& registry, std::string svtest_path, Options options)
    : registry_(registry), path_(std::move(svtest_path)), options_(std::move(options)) {
  const auto slash = path_.rfind('/');
  dir_ = slash == std::string::npos ? "./" : path_.substr(0, slash + 1);
  os_user_ = os_user_name();
  register_extension();
  reload_settings();
  result_ = std::make_unique<interp::ResultState>(
      interp::ActionLimits{settings_.max_actions, settings_.max_redirects});
  set_message(std::string(kDefaultMessage), true);
}

Suite::~Suite() = default;

std::string Suite::resolve(std::string_view relative) const {
  if (!relative.empty() && relative.front() == '/') return std::string(relative);
  return dir_ + std::string(relative);
}

namespace {

// Pigeonhole 2.4 configures extlists as a filter array: "sieve_extlists_list"
// names the lists, and "sieve_extlists_list/<name>/dict/file/path" gives a
// list its file dict (a list without one is empty). zest's equivalent is
// [sieve.lists] with { dovecot_dict = PATH }.
std::map<std::string, std::string, std::less<>> ext_lists_from_overlay(
    const std::map<std::string, std::string, std::less<>>& overlay) {
  std::map<std::string, std::string, std::less<>> lists;
  const auto names = overlay.find("sieve_extlists_list");
  if (names == overlay.end()) return lists;
  std::istringstream in(names->second);
  for (std::string name; in >> name;) {
    auto n = interp::normalize_ext_list_name(name);
    if (!n) continue;
    const auto path = overlay.find("sieve_extlists_list/" + name + "/dict/file/path");
    lists[*n] = path == overlay.end() || path->second.empty() ? "" : "dict:" + path->second;
  }
  return lists;
}

}  // namespace

void Suite::reload_settings() {
  interp::EngineSettings s;
  s.values["dir"] = dir_ + "included";
  s.values["global_dir"] = dir_ + "included-global";
  s.values["postmaster_address"] = "postmaster@example.com";
  s.max_instructions = 0;  // location MS: no CPU limit by default
  s.max_cpu_time = std::chrono::milliseconds{0};
  if (!options_.extensions) {
    // Every registered extension, extprograms included (Pigeonhole's
    // testsuite loads them with -P sieve_extprograms).
    std::set<std::string, std::less<>> all;
    for (const auto& e : registry_.extensions()) all.insert(e.name);
    s.extensions = std::move(all);
  } else {
    std::set<std::string, std::less<>> enabled;
    bool relative = false;
    std::istringstream in(*options_.extensions);
    std::vector<std::string> words;
    for (std::string w; in >> w;) {
      words.push_back(w);
      relative = relative || w[0] == '+' || w[0] == '-';
    }
    if (relative)
      for (const auto& e : registry_.extensions()) enabled.insert(e.name);
    for (const auto& w : words) {
      if (w[0] == '-')
        enabled.erase(w.substr(1));
      else
        enabled.insert(w[0] == '+' ? w.substr(1) : w);
    }
    enabled.insert(std::string(kExtension));
    s.extensions = std::move(enabled);
  }
  for (const auto& [key, value] : overlay_) {
    if (value.empty()) continue;  // empty means "default"
    const std::string name = key.rfind("sieve_", 0) == 0 ? key.substr(6) : key;
    const auto size = parse_size(value);
    if (name == "max_actions" && size)
      s.max_actions = *size;
    else if (name == "max_redirects" && size)
      s.max_redirects = *size;
    else if (name == "max_script_size" && size)
      s.max_script_size = *size;
    else if (const auto t = interp::parse_cpu_time(value); name == "max_cpu_time" && t)
      s.max_cpu_time = *t;
    else if (name == "notify_max_notifications")  // Pigeonhole 2.4 name
      s.values["notify_max_per_run"] = value;
    else if (name.starts_with("extlists_list"))  // Pigeonhole 2.4 filters, below
      continue;
    else
      s.values[name] = value;
  }
  s.ext_lists = ext_lists_from_overlay(overlay_);
  lists_ = std::make_unique<transport::ExtLists>(s.ext_lists);
  settings_ = std::move(s);
  notify_methods_ = methods::standard_methods(
      methods::policy_from_settings(settings_.values, settings_.value("postmaster_address")));
}

void Suite::set_message(std::string raw, bool derive_envelope) {
  messages_.push_back(std::make_unique<mail::Message>(std::move(raw)));
  if (!derive_envelope) return;
  const mail::Message& m = *messages_.back();
  auto first = [&m](std::initializer_list<std::string_view> names) -> std::optional<std::string> {
    for (auto name : names)
      for (auto v : m.header_raw(name)) {
        auto list = mail::parse_address_list(v);
        if (!list.addresses.empty()) return mail::to_string(list.addresses.front());
      }
    return std::nullopt;
  };
  envelope_.to = first({"envelope-to", "to"}).value_or("recipient@example.com");
  envelope_.orig_to = envelope_.to;
  envelope_.from = first({"return-path", "sender", "from"}).value_or("sender@example.com");
  envelope_.auth = os_user_;
}

void Suite::reset_result() {
  *result_ =
      interp::ResultState(interp::ActionLimits{settings_.max_actions, settings_.max_redirects});
  exec_ = {};
}

bool Suite::mailbox_exists(std::string_view mailbox) {
  return mail_.mailbox_exists(mailbox);
}

std::optional<std::string> Suite::mailbox_metadata(std::string_view mailbox,
                                                   std::string_view entry) {
  if (!mail_.mailbox_exists(mailbox)) return std::nullopt;
  const std::string* v = mail_.metadata(mailbox, entry);
  return v ? std::optional<std::string>(*v) : std::nullopt;
}

std::optional<std::string> Suite::server_metadata(std::string_view entry) {
  const std::string* v = mail_.metadata("", entry);
  return v ? std::optional<std::string>(*v) : std::nullopt;
}

std::optional<std::string> Suite::environment(std::string_view name) {
  if (name == "name") return "Pigeonhole Sieve";
  if (name == "version") return "0.5.19";
  if (name == "location") return "MS";
  if (name == "phase") return "during";
  if (name == "domain") return "example.com";
  if (name == "host") return "localhost";
  if (name == "vnd.dovecot.default-mailbox") return "INBOX";
  if (name == "vnd.dovecot.username") return os_user_;
  return std::nullopt;
}

// Included scripts (TESTSUITE_SPEC §2): "<name>.sieve" below sieve_dir or
// sieve_global_dir, or a Dovecot flat-file dict when the "sieve" /
// "sieve_global" location is "dict:file:PATH".
std::optional<std::string> Suite::include_source(std::string_view name, bool global) {
  const std::string location = settings_.value(global ? "global" : "sieve");
  if (location.rfind("dict:file:", 0) == 0) {
    std::ifstream in(location.substr(10));
    std::map<std::string, std::string, std::less<>> dict;
    for (std::string k, v; std::getline(in, k) && std::getline(in, v);) dict[k] = v;
    auto id = dict.find("priv/sieve/name/" + std::string(name));
    if (id == dict.end()) return std::nullopt;
    auto data = dict.find("priv/sieve/data/" + id->second);
    return data == dict.end() ? std::nullopt : std::optional<std::string>(data->second);
  }
  const std::string dir = settings_.value(global ? "global_dir" : "dir");
  if (auto s = base::read_file(dir + "/" + std::string(name) + ".sieve")) return s;
  if (name.size() > 6 && name.substr(name.size() - 6) == ".sieve")
    return base::read_file(dir + "/" + std::string(name));
  return std::nullopt;
}

interp::ProgramResult Suite::run_external(const interp::ProgramCall& call) {
  const char* home = std::getenv("HOME");
  const delivery::ProgramOwner owner{os_user_, home && *home ? home : dir_,
                                     environment("host").value_or("localhost")};
  return delivery::run_ext_program(settings_, owner, call, [this](std::string_view line) {
    log(interp::LogLevel::Info, line);
  });
}

void Suite::log(interp::LogLevel level, std::string_view message) {
  if (options_.echo_log) fmt::print("LOG: {}: {}\n", level_name(level), message);
  log_.push_back({level, std::string(message)});
}

std::vector<std::string> Suite::errors() const {
  std::vector<std::string> out;
  for (const auto& e : log_)
    if (e.level == interp::LogLevel::Error) out.push_back(e.text);
  return out;
}

std::shared_ptr<interp::Program> Suite::compile_file(const std::string& path) {
  const auto source = base::read_file(path);
  if (!source) {
    log(interp::LogLevel::Error, "failed to open sieve script '" + path + "'");
    return nullptr;
  }
  if (source->size() > settings_.max_script_size) {
    log(interp::LogLevel::Error,
        "sieve script is too large (max " + std::to_string(settings_.max_script_size) + " bytes)");
    return nullptr;
  }
  auto parsed = grammar::parse(*source, interp::parse_limits(settings_));
  const bool parse_failed = parsed.diags.has_errors();
  interp::CompileResult cr;
  if (parse_failed) {
    cr.diags = std::move(parsed.diags);
  } else {
    interp::CompileEnv env{this, {}};
    cr = interp::compile_tree(parsed.script, registry_, settings_, std::move(parsed.diags), &env);
  }
  for (const auto& d : cr.diags.all())
    log(d.severity == grammar::Severity::Error ? interp::LogLevel::Error
                                               : interp::LogLevel::Warning,
        d.message);
  if (!cr.program) {
    // Pigeonhole ends a failed compile with one summary error of its own.
    log(interp::LogLevel::Error, parse_failed ? "parse failed" : "validation failed");
    return nullptr;
  }
  return std::make_shared<interp::Program>(std::move(*cr.program));
}

bool Suite::run_program(const interp::Program& program, bool append) {
  if (!append) reset_result();
  interp::Runtime rt(program, message(), envelope_, *this, settings_, registry_, *result_);
  interp::Vm vm(rt);
  ++subscript_depth_;
  const auto outcome = vm.run();
  --subscript_depth_;
  if (outcome != interp::Vm::Outcome::Failed) return true;
  const auto& e = rt.error();
  log(interp::LogLevel::Error, e ? e->message : "run-time error");
  for (const auto& ext : program.extensions)
    if (ext == kExtension) return true;
  return false;
}

delivery::ExecutionStatus Suite::execute(bool commit) {
  delivery::DeliveryContext dctx{message(), envelope_, settings_};
  dctx.postmaster = settings_.value("postmaster_address", "postmaster@example.com");
  dctx.notify_methods = &notify_methods_;
  dctx.run_program = [this](const interp::ProgramCall& call) { return run_external(call); };
  auto st = delivery::execute(result_->actions, interp::canonical_flags(result_->internal_flags),
                              exec_, commit, dctx, mail_);
  result_->actions.set_executed(exec_.executed);
  if (auto committed = mail_.commit(); !committed) {
    st.ok = false;
    st.errors.push_back(committed.error());
  }
  for (const auto& e : st.errors) log(interp::LogLevel::Error, e);
  return st;
}

void Suite::begin_test(std::string name) {
  ++tests_;
  in_test_ = true;
  test_name_ = std::move(name);
}

void Suite::end_test() {
  if (!in_test_) return;
  fmt::print("{:2d}: Test '{}' SUCCEEDED\n", tests_, test_name_);
  in_test_ = false;
}

void Suite::fail_test(std::string_view reason) {
  ++failures_;
  if (in_test_)
    fmt::print("{:2d}: Test '{}' FAILED: {}\n", tests_, test_name_, reason);
  else
    fmt::print("XX: Test CASE FAILED: {}\n", reason);
  in_test_ = false;
}

void Suite::register_extension() {
  registry_.add_extension({std::string(kExtension)});
  auto add = [this](CommandSpec s) {
    s.extension = std::string(kExtension);
    registry_.add_command(std::move(s));
  };
  auto test_spec = [this] { return registry_.command("test", false); };
  // Ends the current test as failed and leaves its block.
  auto fail_here = [this, test_spec](Runtime& rt, std::string_view reason) {
    const bool was_in_test = in_test_;
    fail_test(reason);
    if (subscript_depth_ > 0) {
      subscript_failed_test_ = was_in_test;
      rt.request_stop();
    } else if (was_in_test) {
      rt.request_unwind(test_spec());
    } else {
      rt.request_stop();
    }
  };

  {
    CommandSpec s;
    s.name = "test";
    s.positional = {{"test name", ArgKind::String}};
    s.block = interp::BlockRule::Required;
    s.enter = [this](Runtime& rt, const Args& a) {
      begin_test(rt.string(*a.find(0)));
      return BlockStep::Enter;
    };
    s.loop = [this](Runtime&) {
      end_test();
      return BlockStep::Exit;
    };
    add(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "test_fail";
    s.positional = {{"reason", ArgKind::String}};
    s.run = [fail_here](Runtime& rt, const Args& a) { fail_here(rt, rt.string(*a.find(0))); };
    add(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "test_set";
    s.positional = {{"object", ArgKind::String}, {"value", ArgKind::String}};
    s.literal_slots = {0};
    s.check = [](interp::CheckContext& ctx, interp::CheckedCall& call) {
      const interp::CheckedArg* o = call.find(0);
      const std::string key = base::to_lower(o ? o->str() : "");
      if (key != "message" && key != "envelope.from" && key != "envelope.to" &&
          key != "envelope.orig_to" && key != "envelope.auth")
        ctx.error(o ? o->loc : call.loc, "unknown testsuite object '" + (o ? o->str() : "") + "'");
    };
    s.run = [this](Runtime& rt, const Args& a) {
      const std::string key = base::to_lower(rt.raw(*a.find(0)));
      const std::string value = rt.string(*a.find(1));
      if (key == "message") {
        set_message(value, true);
        rt.set_message(message());
        return;
      }
      if (key == "envelope.auth") {
        envelope_.auth = value;
        return;
      }
      std::string addr = value;
      if (auto p = mail::parse_envelope_path(value)) {
        addr = p->null_path ? std::string() : mail::to_string(p->address);
      } else {
        log(interp::LogLevel::Error, "testsuite: " + key + " address '" + value + "' is invalid");
      }
      if (key == "envelope.from") envelope_.from = addr;
      if (key == "envelope.to") envelope_.to = envelope_.orig_to = addr;
      if (key == "envelope.orig_to") envelope_.orig_to = addr;
    };
    add(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "test_config_set";
    s.positional = {{"setting", ArgKind::String}, {"value", ArgKind::String}};
    s.run = [this](Runtime& rt, const Args& a) {
      overlay_[rt.string(*a.find(0))] = rt.string(*a.find(1));
    };
    add(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "test_config_unset";
    s.positional = {{"setting", ArgKind::String}};
    s.run = [this](Runtime& rt, const Args& a) { overlay_.erase(rt.string(*a.find(0))); };
    add(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "test_config_reload";
    s.tags = {{"extension", kReloadExt, ArgKind::String, "extension"}};
    s.run = [this, fail_here](Runtime& rt, const Args& a) {
      if (auto ext = rt.string(a, kReloadExt); ext && !registry_.extension(*ext)) {
        fail_here(rt, "unknown extension '" + *ext + "'");
        return;
      }
      reload_settings();
    };
    add(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "test_script_compile";
    s.is_test = true;
    s.positional = {{"script", ArgKind::String}};
    s.test = [this](Runtime& rt, const Args& a) {
      clear_log();
      auto program = compile_file(resolve(rt.string(*a.find(0))));
      if (!program) return false;
      slot_ = std::move(program);
      return true;
    };
    add(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "test_script_run";
    s.is_test = true;
    s.tags = {{"append_result", kAppendResult}};
    s.test = [this, test_spec](Runtime& rt, const Args& a) {
      clear_log();
      if (!slot_) {
        log(interp::LogLevel::Error, "no compiled script to run");
        return false;
      }
      const auto program = slot_;  // keep it alive while it runs
      const bool ok = run_program(*program, a.has(kAppendResult));
      rt.set_message(message());
      if (subscript_failed_test_) {
        subscript_failed_test_ = false;
        rt.request_unwind(test_spec());
      }
      return ok;
    };
    add(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "test_multiscript";
    s.is_test = true;
    s.positional = {{"scripts", ArgKind::StringList}};
    s.test = [this](Runtime& rt, const Args& a) {
      clear_log();
      reset_result();
      bool ok = true;
      for (const auto& path : rt.strings(a, 0)) {
        auto program = compile_file(resolve(path));
        if (!program) {
          ok = false;
          break;
        }
        if (!run_program(*program, true)) ok = false;
        if (!execute(false).ok) ok = false;
        bool kept = result_->actions.implicit_keep();
        for (const auto& act : result_->actions.actions())
          kept = kept || std::holds_alternative<interp::KeepAction>(act);
        if (!kept) break;
      }
      if (!execute(true).ok) ok = false;
      rt.set_message(message());
      return ok;
    };
    add(std::move(s));
  }
  for (bool is_test : {false, true}) {
    CommandSpec s;
    s.name = "test_error";
    s.is_test = true;
    s.groups = {interp::TagGroup::Comparator, interp::TagGroup::MatchType};
    s.tags = {{"index", interp::kSlotIndex, ArgKind::Number, "index"}};
    s.positional = {{"key list", ArgKind::StringList}};
    if (is_test) {
      s.name = "test_result_action";
      s.test = [this](Runtime& rt, const Args& a) {
        std::vector<std::string> names;
        for (const auto& act : result_->actions.actions()) names.push_back(result_action_name(act));
        if (!apply_index(a, names)) return false;
        return suite_match(rt, a, names, rt.strings(a, 0));
      };
    } else {
      s.test = [this](Runtime& rt, const Args& a) {
        auto errs = errors();
        if (!apply_index(a, errs)) return false;
        return suite_match(rt, a, errs, rt.strings(a, 0));
      };
    }
    add(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "test_result_execute";
    s.is_test = true;
    s.test = [this](Runtime&, const Args&) {
      clear_log();
      return execute(true).ok;
    };
    add(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "test_result_reset";
    s.run = [this](Runtime&, const Args&) {
      reset_result();
      mail_.clear_outbox();
      // Replies and duplicate ids belong to one simulated delivery, as
      // Pigeonhole's testsuite never remembers them across tests.
      mail_.clear_duplicates();
    };
    add(std::move(s));
  }
  for (bool is_test : {false, true}) {
    CommandSpec s;
    s.name = "test_message";
    s.is_test = is_test;
    s.tags = {{"smtp", kSmtp}, {"folder", kFolder, ArgKind::String, "mailbox"}};
    s.positional = {{"index", ArgKind::Number}};
    s.check = [](interp::CheckContext& ctx, interp::CheckedCall& call) {
      const bool smtp = call.find(kSmtp) != nullptr;
      const interp::CheckedArg* folder = call.find(kFolder);
      if (smtp == (folder != nullptr))
        ctx.error(call.loc, "the test_message " +
                                std::string(call.spec->is_test ? "test" : "command") +
                                " requires either the :smtp or the :folder tag to be specified");
      else if (folder && folder->constant() && !base::valid_utf8(folder->str()))
        ctx.error(folder->loc, "mailbox name '" + folder->str() + "' is not utf-8");
    };
    // Makes the selected message current; the error text when there is none.
    auto select = [this](Runtime& rt, const Args& a) -> std::optional<std::string> {
      const std::uint64_t index = a.number(0);
      if (a.has(kSmtp)) {
        const auto& out = mail_.outbox();
        if (index >= out.size())
          return fmt::format("no outgoing SMTP message with index {}", index);
        const SentMessage& m = out[index];
        set_message(m.raw, false);
        envelope_.from = m.envelope_from;
        envelope_.to = envelope_.orig_to = m.rcpt;
      } else {
        const std::string box = rt.string(*a.find(kFolder));
        if (!base::valid_utf8(box)) return "mailbox name '" + box + "' is not utf-8";
        const auto msgs = mail_.mailbox(box);
        if (!msgs || index >= msgs->size())
          return fmt::format("no message in folder '{}' with index {}", box, index);
        const StoredMessage m = (*msgs)[index];
        set_message(m.raw, true);
        // imap4flags' internal variable starts as the stored message's flags.
        result_->internal_flags = m.flags;
      }
      rt.set_message(message());
      return std::nullopt;
    };
    if (is_test) {
      s.test = [select](Runtime& rt, const Args& a) { return !select(rt, a).has_value(); };
    } else {
      s.run = [select, fail_here](Runtime& rt, const Args& a) {
        if (auto e = select(rt, a)) fail_here(rt, *e);
      };
    }
    add(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "test_mailbox_create";
    s.positional = {{"mailbox", ArgKind::String}};
    s.run = [this](Runtime& rt, const Args& a) {
      const std::string box = rt.string(*a.find(0));
      if (!base::valid_utf8(box)) {
        rt.fail("invalid mailbox name '" + box + "' (not utf-8)");
        return;
      }
      if (auto created = mail_.create_mailbox(box); !created)
        rt.fail("failed to create mailbox '" + box + "': " + created.error());
    };
    add(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "test_mailbox_delete";
    s.positional = {{"mailbox", ArgKind::String}};
    s.run = [fail_here](Runtime& rt, const Args&) {
      fail_here(rt, "test_mailbox_delete is not implemented");
    };
    add(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "test_imap_metadata_set";
    s.tags = {{"mailbox", kMailbox, ArgKind::String, "mailbox"}};
    s.positional = {{"annotation", ArgKind::String}, {"value", ArgKind::String}};
    s.run = [this](Runtime& rt, const Args& a) {
      const std::string entry = rt.string(*a.find(0));
      if (entry.rfind("/private/", 0) != 0 && entry.rfind("/shared/", 0) != 0) {
        log(interp::LogLevel::Error, "invalid metadata entry name '" + entry + "'");
        rt.fail("failed to set IMAP metadata");
        return;
      }
      mail_.set_metadata(rt.string(a, kMailbox).value_or(""), entry, rt.string(*a.find(1)));
    };
    add(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "test_binary_save";
    s.positional = {{"name", ArgKind::String}};
    s.run = [this](Runtime& rt, const Args& a) {
      if (!slot_) {
        log(interp::LogLevel::Error, "no compiled script to save");
        rt.fail("failed to save binary");
        return;
      }
      binaries_[rt.string(*a.find(0))] = interp::serialize(*slot_);
    };
    add(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "test_binary_load";
    s.positional = {{"name", ArgKind::String}};
    s.run = [this](Runtime& rt, const Args& a) {
      const std::string name = rt.string(*a.find(0));
      auto it = binaries_.find(name);
      if (it == binaries_.end()) {
        log(interp::LogLevel::Error, "no binary named '" + name + "'");
        rt.fail("failed to load binary");
        return;
      }
      auto loaded = interp::load_program(it->second, registry_);
      if (!loaded) {
        log(interp::LogLevel::Error,
            "failed to load binary '" + name + "': " + loaded.error().message);
        rt.fail("failed to load binary");
        return;
      }
      slot_ = std::make_shared<interp::Program>(std::move(loaded.value()));
    };
    add(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "test_result_print";
    s.run = [this](Runtime&, const Args&) {
      fmt::print("--\n");
      for (const auto& act : result_->actions.actions()) {
        fmt::print(" * {}", result_action_name(act));
        const interp::Flags* flags = nullptr;
        if (const auto* f = std::get_if<interp::FileintoAction>(&act)) {
          fmt::print(" \"{}\"", f->mailbox);
          flags = &f->flags;
        }
        if (const auto* k = std::get_if<interp::KeepAction>(&act)) flags = &k->flags;
        if (flags && !flags->empty()) fmt::print(" (flags: {})", fmt::join(*flags, " "));
        fmt::print("\n");
      }
      if (result_->actions.implicit_keep()) fmt::print(" * (implicit keep)\n");
      fmt::print("--\n");
    };
    add(std::move(s));
  }
#ifdef ZEST_TESTSUITE_HAVE_VARIABLES
  {
    // ${tst.path}: the directory of the .svtest with a trailing '/'; any
    // other tst.* is empty; nothing below tst can be assigned.
    interp::variables::Namespace ns;
    ns.name = "tst";
    ns.extension = std::string(kExtension);
    ns.check = [](std::string_view rest, bool assign) -> std::optional<std::string> {
      if (assign) return "cannot assign to variable in testsuite namespace";
      if (rest.find('.') != std::string_view::npos)
        return "testsuite namespace has no sub-namespaces";
      return std::nullopt;
    };
    ns.get = [this](const Runtime&, std::string_view rest) {
      return rest == "path" ? dir_ : std::string();
    };
    interp::variables::add_namespace(registry_, std::move(ns));
  }
#endif
  {
    CommandSpec s;
    s.name = "test_message_print";
    s.run = [this](Runtime&, const Args&) {
      fmt::print("--MESSAGE:\n{}\n--MESSAGE--\n", message().raw());
    };
    add(std::move(s));
  }
}

int Suite::run() {
  fmt::print("Test case: {}:\n\n", path_);
  std::fflush(stdout);
  bool fatal = false;
  std::shared_ptr<interp::Program> program;
  if (const auto source = base::read_file(path_); !source) {
    std::cerr << path_ << ": error: cannot read file\n";
    fatal = true;
  } else {
    auto parsed = grammar::parse(*source, interp::parse_limits(settings_));
    interp::CompileResult cr;
    if (parsed.diags.has_errors()) {
      cr.diags = std::move(parsed.diags);
    } else {
      check_test_nesting(parsed.script.commands, false, parsed.diags);
      interp::CompileEnv env{this, {}};
      cr = interp::compile_tree(parsed.script, registry_, settings_, std::move(parsed.diags), &env);
    }
    for (const auto& d : cr.diags.all())
      if (d.severity == grammar::Severity::Error || options_.echo_log)
        std::cerr << grammar::format_with_source(path_, *source, d) << '\n';
    if (cr.program) program = std::make_shared<interp::Program>(std::move(*cr.program));
  }
  if (!program && !fatal) {
    fail_test("failed to compile testcase script");
  } else if (program) {
    interp::Runtime rt(*program, message(), envelope_, *this, settings_, registry_, *result_);
    interp::Vm vm(rt);
    if (vm.run() == interp::Vm::Outcome::Failed) {
      const auto& e = rt.error();
      std::cerr << fmt::format("{}: line {}: error: {}\n", path_, e ? e->line : 0,
                               e ? e->message : "run-time error");
      in_test_ = false;
      fail_test("test script execution aborted due to error");
    }
  } else {
    fail_test("failed to read testcase script");
  }
  std::cout.flush();
  if (failures_ == 0)
    fmt::print("\nPASS: {} tests succeeded.\n\n", tests_);
  else
    fmt::print("\nFAIL: {} of {} tests failed.\n\n", failures_, tests_);
  std::fflush(stdout);
  if (options_.expect_failure) return failures_ >= tests_ ? 0 : 1;
  return failures_ == 0 ? 0 : 1;
}

}  // namespace zest::testsuite
