// The ManageSieve commands (RFC 5804 §2): one table says who may run each,
// which arguments it takes and what runs it; the handlers below assume the
// table's checks passed.
#include <algorithm>
#include <optional>

#include "base/base64.hpp"
#include "base/text.hpp"
#include "manage-sieve/script_check.hpp"
#include "manage-sieve/session.hpp"

namespace zest::managesieve {
namespace {

using Out = net::Output;
using K = Arg::Kind;

// The text of a NO reply's first line, without status and code, for the log.
std::string reply_text(std::string_view bytes) {
  std::string_view line = bytes.substr(0, bytes.find("\r\n"));
  if (line.starts_with("NO ")) line.remove_prefix(3);
  if (line.starts_with("(")) line.remove_prefix(std::min(line.size(), line.find(") ") + 2));
  if (line.size() >= 2 && line.front() == '"' && line.back() == '"')
    line = line.substr(1, line.size() - 2);
  return std::string(line.substr(0, 200));
}

}  // namespace

const Session::Command* Session::find_command(std::string_view name) {
  using Needs = Command::Needs;
  constexpr auto none = Command::kNoScript;
  // clang-format off
  static const Command table[] = {
    // name            needs           args  kinds                   usage (NO "Syntax: ...")                     handler                   quick  script arg
    {"CAPABILITY",     Needs::Any,     0, 0, {},                     "CAPABILITY",                                &Session::capability,     true,  none},
    {"NOOP",           Needs::Any,     0, 1, {K::String},            "NOOP [tag]",                                &Session::noop,           true,  none},
    {"LOGOUT",         Needs::Any,     0, 0, {},                     "LOGOUT",                                    &Session::logout,         true,  none},
    {"STARTTLS",       Needs::Any,     0, 0, {},                     "STARTTLS",                                  &Session::starttls,       true,  none},
    {"AUTHENTICATE",   Needs::NoLogin, 1, 2, {K::String, K::String}, "AUTHENTICATE mechanism [initial-response]", &Session::authenticate,   false, none},
    {"UNAUTHENTICATE", Needs::Any,     0, 0, {},                     "UNAUTHENTICATE",                            &Session::unauthenticate, true,  none},
    {"LISTSCRIPTS",    Needs::Login,   0, 0, {},                     "LISTSCRIPTS",                               &Session::listscripts,    false, none},
    {"HAVESPACE",      Needs::Login,   2, 2, {K::String, K::Number}, "HAVESPACE name size",                       &Session::havespace,      false, none},
    {"PUTSCRIPT",      Needs::Login,   2, 2, {K::String, K::String}, "PUTSCRIPT name script",                     &Session::putscript,      false, 1},
    {"CHECKSCRIPT",    Needs::Login,   1, 1, {K::String},            "CHECKSCRIPT script",                        &Session::checkscript,    false, 0},
    {"SETACTIVE",      Needs::Login,   1, 1, {K::String},            "SETACTIVE name",                            &Session::setactive,      false, none},
    {"GETSCRIPT",      Needs::Login,   1, 1, {K::String},            "GETSCRIPT name",                            &Session::getscript,      false, none},
    {"DELETESCRIPT",   Needs::Login,   1, 1, {K::String},            "DELETESCRIPT name",                         &Session::deletescript,   false, none},
    {"RENAMESCRIPT",   Needs::Login,   2, 2, {K::String, K::String}, "RENAMESCRIPT old new",                      &Session::renamescript,   false, none},
  };
  // clang-format on
  const auto it = std::find_if(std::begin(table), std::end(table),
                               [&](const Command& c) { return c.name == name; });
  return it == std::end(table) ? nullptr : &*it;
}

bool Session::Command::accepts(const Args& args) const {
  if (args.size() < min_args || args.size() > max_args) return false;
  for (std::size_t i = 0; i < args.size(); ++i)
    if (args[i].kind != kinds[i]) return false;
  return true;
}

Out Session::execute() {
  const std::string cmd = std::move(cmd_);
  const Args args = std::move(args_);
  reset_command();
  const Command* c = find_command(cmd);
  using Needs = Command::Needs;
  if (!c) return reply("NO", "", "Unknown command");
  if (c->needs == Needs::Login && !authenticated()) return reply("NO", "", "Authenticate first");
  if (c->needs == Needs::NoLogin && authenticated())
    return reply("NO", "", "Already authenticated");
  if (!c->accepts(args)) return reply("NO", "", "Syntax: " + std::string(c->usage));
  refusal_.clear();
  Out o = (this->*c->run)(args);
  if (cmd == "PUTSCRIPT" || cmd == "SETACTIVE" || cmd == "DELETESCRIPT" || cmd == "RENAMESCRIPT") {
    const bool ok = o.bytes.starts_with("OK");
    const std::string why = ok ? std::string() : refusal_.empty() ? reply_text(o.bytes) : refusal_;
    audit({cmd, user_, {}, args[0].text, cmd == "RENAMESCRIPT" ? args[1].text : "", ok, why});
  }
  return o;
}

namespace {

Out store_error(const store::ScriptError& e) {
  Out o;
  o.bytes = response("NO", store::response_code(e.code), e.message);
  return o;
}

// A reply when `name` is not a valid script name.
std::optional<Out> bad_name(std::string_view name, std::size_t max_octets) {
  auto err = check_script_name(name, max_octets);
  if (err.empty()) return std::nullopt;
  Out o;
  o.bytes = response("NO", "", err);
  return o;
}

}  // namespace

Out Session::capability(const Args&) {
  Out o;
  o.bytes = capabilities() + "OK\r\n";
  return o;
}

Out Session::noop(const Args& args) {
  if (args.size() == 1) return reply("OK", "TAG " + string_out(args[0].text), "Done");
  return reply("OK", "", "NOOP completed");
}

Out Session::logout(const Args&) {
  mode_ = Mode::Closed;
  Out o = reply("OK", "", "Logout completed");
  o.close = true;
  return o;
}

Out Session::starttls(const Args&) {
  if (options_.tls_active) return reply("NO", "", "TLS is already active");
  if (authenticated()) return reply("NO", "", "STARTTLS is only allowed before authentication");
  if (!options_.tls_available) return reply("NO", "", "TLS is not available");
  Out o = reply("OK", "", "Begin TLS negotiation now");
  o.start_tls = true;
  return o;
}

Out Session::authenticate(const Args& args) {
  const std::string mech = base::to_upper(args[0].text);
  if (mech == "PLAIN" && !plaintext_ok())
    return reply("NO", "ENCRYPT-NEEDED", "PLAIN needs TLS (use STARTTLS) or SCRAM");
  exchange_ = sasl_.start(mech);
  if (!exchange_) return reply("NO", "", "Unsupported authentication mechanism");
  sasl_user_hint_.clear();
  sasl_mech_ = mech;
  std::optional<std::string> initial;
  if (args.size() == 2) {
    auto d = base::base64_decode(args[1].text);
    if (!d) return auth_failed("Invalid base64 in initial response");
    initial = std::move(*d);
  }
  return sasl_step(std::move(initial));
}

Out Session::unauthenticate(const Args&) {
  if (!authenticated()) return reply("NO", "", "Not authenticated");
  user_.clear();
  store_.reset();
  login_started_ = now();  // a new login deadline
  return reply("OK", "", "Unauthenticated");
}

Out Session::listscripts(const Args&) {
  auto l = store_->list();
  if (!l) return store_error(l.error());
  Out o;
  for (const auto& s : *l) o.bytes += string_out(s.name) + (s.active ? " ACTIVE\r\n" : "\r\n");
  o.bytes += response("OK", "", "");
  return o;
}

Out Session::havespace(const Args& args) {
  if (auto e = bad_name(args[0].text, options_.max_name)) return *e;
  auto r = store_->have_space(args[0].text, args[1].number);
  if (!r) return store_error(r.error());
  return reply("OK", "", "Putscript would succeed");
}

Out Session::putscript(const Args& args) {
  return check_and_store(args[0].text, args[1].text, true);
}

Out Session::checkscript(const Args& args) {
  return check_and_store("script", args[0].text, false);
}

Out Session::check_and_store(const std::string& name, const std::string& source, bool put) {
  // The rules are check_and_put's (shared with `zest sieve put`).
  using S = PutResult::Status;
  const auto r = check_and_put(
      put ? store_.get() : nullptr, name, source, options_.max_name,
      [this](std::string_view n, std::string_view s) { return backend_.check(n, s); });
  if (r.status == S::BadName) return reply("NO", "", r.text);
  if (!r.ok()) {
    if (put) backend_.script_refused(user_, name, r.reason);
    refusal_ = r.reason.substr(0, r.reason.find('\n'));
    if (r.status == S::StoreRefused) return store_error(*r.store_error);
    if (r.status == S::CompileError)
      return reply("NO", "", r.text.empty() ? "Compilation failed" : r.text);
    return reply("NO", "", r.text);
  }
  if (!r.warnings.empty()) return reply("OK", "WARNINGS", r.warnings);
  return reply("OK", "", put ? "Putscript completed" : "Script is valid");
}

Out Session::setactive(const Args& args) {
  const std::string& name = args[0].text;
  if (!name.empty())
    if (auto e = bad_name(name, options_.max_name)) return *e;
  auto r = store_->set_active(name);
  if (!r) return store_error(r.error());
  return reply("OK", "", name.empty() ? "Script deactivated" : "Setactive completed");
}

Out Session::getscript(const Args& args) {
  if (auto e = bad_name(args[0].text, options_.max_name)) return *e;
  auto r = store_->get(args[0].text);
  if (!r) return store_error(r.error());
  Out o;
  o.bytes = "{" + std::to_string(r->size()) + "}\r\n" + *r + "\r\n" + response("OK", "", "");
  return o;
}

Out Session::deletescript(const Args& args) {
  if (auto e = bad_name(args[0].text, options_.max_name)) return *e;
  auto r = store_->remove(args[0].text);
  if (!r) return store_error(r.error());
  return reply("OK", "", "Deletescript completed");
}

Out Session::renamescript(const Args& args) {
  if (auto e = bad_name(args[0].text, options_.max_name)) return *e;
  if (auto e = bad_name(args[1].text, options_.max_name)) return *e;
  auto r = store_->rename(args[0].text, args[1].text);
  if (!r) return store_error(r.error());
  return reply("OK", "", "Renamescript completed");
}

}  // namespace zest::managesieve
