// `zest sieve ...`: a user's ManageSieve scripts, by the administrator.
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "base/logfmt.hpp"
#include "manage-sieve/protocol.hpp"
#include "manage-sieve/script_check.hpp"
#include "server/admin_commands.hpp"
#include "server/admin_output.hpp"
#include "server/runtime.hpp"
#include "server/user_scripts.hpp"

namespace zest::server::admin {
namespace {

namespace ms = managesieve;
using base::log_field;

// Script names as long as ManageSieve allows.
std::size_t max_name() {
  return ms::Options{}.max_name;
}

// ManageSieve's diagnostics end lines in CRLF (they go out as literals).
std::string lf(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) out += text[i];
  return out;
}

std::optional<std::string> read_source(const std::string& file) {
  if (file.empty() || file == "-") {
    std::string s(std::istreambuf_iterator<char>(std::cin), {});
    if (std::cin.bad()) return std::nullopt;
    return s;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class SieveCommand {
 public:
  SieveCommand(const config::ServerConfig& cfg, const SieveArgs& a, Logger& log)
      : cfg_(cfg), a_(a), log_(log), stack_(cfg, log, DeliveryStack::Deferred{}) {}

  int run() {
    if (!a_.user.empty() && !stack_.users_error.empty())  // [auth]/[sql] cannot work
      return fail(a_.json, kConfig, stack_.users_error);
    if (a_.action == "check") return check();
    if (a_.user.empty()) return fail(a_.json, kUsage, "-u USER is required");
    auto found = find_user(*stack_.user_source, stack_.paths, a_.user, a_.json);
    if (const int* code = std::get_if<int>(&found)) return *code;
    user_ = std::move(std::get<store::UserPlace>(found));
    store_ = open_script_store(cfg_, user_);
    if (a_.action == "list") return list();
    // Every other action names a script: ManageSieve's name rules.
    if (a_.action != "deactivate")
      if (auto err = ms::check_script_name(a_.name, max_name()); !err.empty())
        return fail(a_.json, kUsage, "invalid script name: " + err);
    if (a_.action == "get") return get();
    if (a_.action == "put") return put();
    if (a_.action == "activate") return set_active(a_.name);
    if (a_.action == "deactivate") return set_active("");
    if (a_.action == "delete") return remove();
    if (a_.action == "rename") return rename();
    return fail(a_.json, kUsage, "unknown action '" + a_.action + "'");
  }

 private:
  ms::CheckResult compile(std::string_view name, std::string_view source) {
    // A user's own script (-u), as doveadm sieve put: [sieve]
    // global_extensions are refused. `sieve check` without -u checks an
    // administrator's script (sieve_before/after), which may use them.
    if (a_.user.empty()) return ms::compile_script(name, source, stack_.registry, stack_.settings);
    return ms::compile_script(name, source, stack_.registry, stack_.settings.for_personal_script());
  }

  // One line per change, as ManageSieve's putscript/setactive/... lines.
  void log_change(std::string_view event, std::string_view script, bool ok, std::string_view reason,
                  std::string_view new_name = {}) {
    std::string line = std::string(event) + " " + log_field("user", user_.name) + " " +
                       log_field("script", script);
    if (event == "event=sieve-rename") line += " " + log_field("new_name", new_name);
    line += std::string(" result=") + (ok ? "ok" : "refused");
    if (!ok) line += " " + log_field("reason", reason.substr(0, reason.find('\n')));
    line += " " + log_field("admin", a_.admin);
    log_.write(line);
  }

  int store_failed(std::string_view event, const store::ScriptError& e, std::string_view script,
                   std::string_view new_name = {}) {
    if (!event.empty()) log_change(event, script, false, e.message, new_name);
    return fail(a_.json, exit_code_of(e.code), e.message, store::response_code(e.code));
  }

  JsonObject ok_object() {
    JsonObject o;
    o.add("ok", true).add("user", user_.name);
    return o;
  }

  int list() {
    auto l = store_->list();
    if (!l) return store_failed("", l.error(), "");
    std::vector<std::string> items;
    std::string text;
    for (const auto& s : *l) {
      items.push_back(JsonObject().add("name", s.name).add("active", s.active).str());
      text += s.name + (s.active ? "\tACTIVE\n" : "\n");
    }
    print(a_.json, ok_object().add_raw("scripts", json_array(items)), text);
    if (!a_.json) std::cout << std::flush;
    return kOk;
  }

  int get() {
    auto r = store_->get(a_.name);
    if (!r) return store_failed("", r.error(), a_.name);
    auto act = store_->active();
    const bool active = act && act->has_value() && **act == a_.name;
    if (a_.json)
      print(true, ok_object().add("script", a_.name).add("active", active).add("source", *r), "");
    else
      std::cout << *r << std::flush;
    return kOk;
  }

  int put() {
    auto source = read_source(a_.file);
    if (!source)
      return fail(a_.json, kNoInput,
                  "cannot read the script from " + (a_.file.empty() ? "stdin" : a_.file));
    using S = ms::PutResult::Status;
    const auto r =
        ms::check_and_put(store_.get(), a_.name, *source, max_name(),
                          [this](std::string_view n, std::string_view s) { return compile(n, s); });
    if (!r.ok()) {
      log_change("event=sieve-put", a_.name, false, r.reason);
      if (r.status == S::StoreRefused) return store_failed("", *r.store_error, a_.name);
      if (r.status == S::CompileError)
        return fail(a_.json, kDataErr, r.text.empty() ? "compilation failed" : lf(r.text));
      return fail(a_.json, r.status == S::Empty ? kDataErr : kUsage, r.text);
    }
    log_change("event=sieve-put", a_.name, true, "");
    if (!r.warnings.empty() && !a_.json) std::cerr << lf(r.warnings) << "\n";
    bool activated = false;
    if (a_.activate) {
      if (auto s = store_->set_active(a_.name); !s)
        return store_failed("event=sieve-activate", s.error(), a_.name);
      log_change("event=sieve-activate", a_.name, true, "");
      activated = true;
    }
    print(a_.json,
          ok_object()
              .add("script", a_.name)
              .add("size", static_cast<std::uint64_t>(source->size()))
              .add("activated", activated)
              .add("warnings", lf(r.warnings)),
          "");
    return kOk;
  }

  int set_active(const std::string& name) {
    const char* event = name.empty() ? "event=sieve-deactivate" : "event=sieve-activate";
    std::string before;
    if (auto act = store_->active(); act && act->has_value()) before = **act;
    auto r = store_->set_active(name);
    if (!r) return store_failed(event, r.error(), name);
    log_change(event, name.empty() ? before : name, true, "");
    auto o = ok_object();
    if (name.empty())
      o.add("deactivated", before);
    else
      o.add("active", name);
    print(a_.json, o, "");
    return kOk;
  }

  int remove() {
    auto r = store_->remove(a_.name);
    if (!r) return store_failed("event=sieve-delete", r.error(), a_.name);
    log_change("event=sieve-delete", a_.name, true, "");
    print(a_.json, ok_object().add("deleted", a_.name), "");
    return kOk;
  }

  int rename() {
    if (auto err = ms::check_script_name(a_.new_name, max_name()); !err.empty())
      return fail(a_.json, kUsage, "invalid new script name: " + err);
    auto r = store_->rename(a_.name, a_.new_name);
    if (!r) return store_failed("event=sieve-rename", r.error(), a_.name, a_.new_name);
    log_change("event=sieve-rename", a_.name, true, "", a_.new_name);
    print(a_.json, ok_object().add("script", a_.name).add("new_name", a_.new_name), "");
    return kOk;
  }

  // CHECKSCRIPT: compile only; -u, when given, must name a user.
  int check() {
    if (!a_.user.empty()) {
      auto found = find_user(*stack_.user_source, stack_.paths, a_.user, a_.json);
      if (const int* code = std::get_if<int>(&found)) return *code;
      user_ = std::move(std::get<store::UserPlace>(found));
    }
    auto source = read_source(a_.file);
    if (!source)
      return fail(a_.json, kNoInput,
                  "cannot read the script from " + (a_.file.empty() ? "stdin" : a_.file));
    const std::string label = a_.file.empty() || a_.file == "-" ? "script" : a_.file;
    const auto r =
        ms::check_and_put(nullptr, label, *source, max_name(),
                          [this](std::string_view n, std::string_view s) { return compile(n, s); });
    if (!r.ok()) {
      const std::string errors = r.text.empty() ? "compilation failed" : lf(r.text);
      std::cerr << errors << "\n";
      if (a_.json)
        print(true,
              JsonObject()
                  .add("ok", false)
                  .add("errors", errors)
                  .add("exit", static_cast<std::uint64_t>(kDataErr)),
              "");
      return kDataErr;
    }
    if (!r.warnings.empty() && !a_.json) std::cerr << lf(r.warnings) << "\n";
    print(a_.json, JsonObject().add("ok", true).add("warnings", lf(r.warnings)), "");
    return kOk;
  }

  const config::ServerConfig& cfg_;
  const SieveArgs& a_;
  Logger& log_;
  DeliveryStack stack_;
  store::UserPlace user_;
  std::unique_ptr<store::FsScriptStore> store_;
};

}  // namespace

int sieve_command(const config::ServerConfig& cfg, const SieveArgs& args, Logger& log) {
  return SieveCommand(cfg, args, log).run();
}

}  // namespace zest::server::admin
