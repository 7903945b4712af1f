#include "manage-sieve/session.hpp"

#include <algorithm>
#include <cctype>

namespace zest::managesieve {
namespace {

using Out = Session::Output;

Out reply(std::string_view status, std::string_view code = {}, std::string_view text = {}) {
  // Success without a code is a bare OK: cyrus sieveshell refuses text there.
  if (status == "OK" && code.empty()) text = {};
  Out o;
  o.bytes = response(status, code, text);
  return o;
}

std::string_view code_of(store::ScriptErrorCode c) {
  using C = store::ScriptErrorCode;
  switch (c) {
    case C::NonExistent:
      return "NONEXISTENT";
    case C::AlreadyExists:
      return "ALREADYEXISTS";
    case C::Active:
      return "ACTIVE";
    case C::QuotaMaxScripts:
      return "QUOTA/MAXSCRIPTS";
    case C::QuotaMaxSize:
      return "QUOTA/MAXSIZE";
    case C::Quota:
      return "QUOTA";
    case C::BadName:
      return "";
    case C::TryLater:
      return "TRYLATER";
  }
  return "";
}

Out store_error(const store::ScriptError& e) {
  return reply("NO", code_of(e.code), e.message);
}

bool is_atom_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && c != '"' && c != '{' && c != '}';
}

// The user a SASL client claims, for counting failures per user.
std::string claimed_user(std::string_view mech, std::string_view client) {
  if (mech == "PLAIN") {
    const auto a = client.find('\0');
    if (a == std::string_view::npos) return {};
    const auto b = client.find('\0', a + 1);
    return std::string(client.substr(a + 1, b == std::string_view::npos ? b : b - a - 1));
  }
  const auto n = client.find(",n=");  // SCRAM client-first: gs2-header, n=user
  if (n == std::string_view::npos) return {};
  const auto end = client.find(',', n + 3);
  return std::string(client.substr(n + 3, end == std::string_view::npos ? end : end - n - 3));
}

}  // namespace

// ---- LoginGuard -------------------------------------------------------------

unsigned LoginGuard::get(std::unordered_map<std::string, Count>& m, const std::string& key,
                         std::chrono::steady_clock::time_point now) {
  auto it = m.find(key);
  if (it == m.end()) return 0;
  if (now - it->second.last > options_.window) {
    m.erase(it);
    return 0;
  }
  return it->second.n;
}

std::chrono::milliseconds LoginGuard::failed(std::string_view address, std::string_view user) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  // Bound the tables: forget stale entries when they grow.
  for (auto* m : {&by_address_, &by_user_})
    if (m->size() > 100000)
      std::erase_if(*m, [&](const auto& kv) { return now - kv.second.last > options_.window; });
  const std::string a(address), u(user);
  unsigned n = get(by_address_, a, now) + 1;
  by_address_[a] = {n, now};
  if (!u.empty()) {
    const unsigned nu = get(by_user_, u, now) + 1;
    by_user_[u] = {nu, now};
    n = std::max(n, nu);
  }
  auto d = options_.base_delay * (1LL << std::min(n - 1, 10u));
  return std::min(std::chrono::duration_cast<std::chrono::milliseconds>(d), options_.max_delay);
}

void LoginGuard::succeeded(std::string_view address, std::string_view user) {
  std::lock_guard lock(mu_);
  by_address_.erase(std::string(address));
  by_user_.erase(std::string(user));
}

unsigned LoginGuard::failures(std::string_view address, std::string_view user) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  return std::max(get(by_address_, std::string(address), now),
                  get(by_user_, std::string(user), now));
}

// ---- Session ------------------------------------------------------------------

Session::Session(Backend& backend, SaslServer& sasl, LoginGuard& guard, Options options,
                 std::string remote_address)
    : backend_(backend),
      sasl_(sasl),
      guard_(guard),
      options_(std::move(options)),
      remote_(std::move(remote_address)) {}

bool Session::plaintext_ok() const {
  return options_.tls_active || options_.loopback || options_.allow_plaintext_auth;
}

std::string Session::capabilities() const {
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
    return s;
  };
  std::vector<std::string> mechs;
  for (const auto& m : sasl_.mechanisms())
    if (m != "PLAIN" || plaintext_ok()) mechs.push_back(m);
  std::string out;
  out += "\"IMPLEMENTATION\" " + string_out(options_.implementation) + "\r\n";
  out += "\"SASL\" " + string_out(join(mechs)) + "\r\n";
  out += "\"SIEVE\" " + string_out(join(options_.sieve_extensions)) + "\r\n";
  const bool enotify = std::find(options_.sieve_extensions.begin(), options_.sieve_extensions.end(),
                                 "enotify") != options_.sieve_extensions.end();
  if (enotify && !options_.notify_methods.empty())
    out += "\"NOTIFY\" " + string_out(join(options_.notify_methods)) + "\r\n";
  out += "\"MAXREDIRECTS\" \"" + std::to_string(options_.max_redirects) + "\"\r\n";
  if (options_.tls_available && !options_.tls_active && !authenticated()) out += "\"STARTTLS\"\r\n";
  if (authenticated()) out += "\"OWNER\" " + string_out(user_) + "\r\n";
  out += "\"UNAUTHENTICATE\"\r\n";
  out += "\"VERSION\" \"1.0\"\r\n";
  return out;
}

Out Session::greeting() {
  Out o;
  // A bare OK: cyrus sieveshell refuses an OK that carries text here.
  o.bytes = capabilities() + "OK\r\n";
  return o;
}

std::chrono::seconds Session::timeout() const {
  return authenticated() ? options_.timeout_auth : options_.timeout_unauth;
}

Out Session::on_overlong_line() {
  mode_ = Mode::Closed;
  Out o = reply("BYE", "", "Line too long");
  o.close = true;
  return o;
}

Out Session::on_timeout() {
  mode_ = Mode::Closed;
  Out o = reply("BYE", "", "Disconnected for inactivity");
  o.close = true;
  return o;
}

Out Session::tls_started() {
  options_.tls_active = true;
  Out o;
  o.bytes = capabilities() + "OK\r\n";
  return o;
}

void Session::reset_command() {
  in_command_ = false;
  cmd_.clear();
  args_.clear();
  command_octets_ = 0;
}

std::uint64_t Session::literal_limit() const {
  const bool script_arg =
      (cmd_ == "PUTSCRIPT" && args_.size() == 1) || (cmd_ == "CHECKSCRIPT" && args_.empty());
  return script_arg && mode_ == Mode::Command ? options_.max_script_size : options_.max_string;
}

Out Session::parse_error(std::string_view text, std::string_view line, std::string_view code) {
  const bool sasl = mode_ == Mode::Sasl;
  reset_command();
  if (auto n = trailing_literal(line)) {
    // The client sends the literal anyway ({N+} has no go-ahead): skip it
    // and whatever follows it, then answer.
    skipping_ = true;
    skip_error_ = text;
    skip_code_ = code;
    Out o;
    o.read_literal = *n;
    o.discard_literal = true;
    if (*n == 0) o.read_literal = 0;
    return o;
  }
  if (sasl) {
    exchange_.reset();
    mode_ = Mode::Command;
  }
  return reply("NO", code, text);
}

Out Session::on_line(std::string_view line, bool /*crlf*/) {
  if (mode_ == Mode::Closed) return {};
  if (skipping_) {
    if (auto n = trailing_literal(line); n && *n > 0) {
      Out o;
      o.read_literal = *n;
      o.discard_literal = true;
      return o;
    } else if (n) {
      return {};
    }
    skipping_ = false;
    if (mode_ == Mode::Sasl) {
      exchange_.reset();
      mode_ = Mode::Command;
    }
    return reply("NO", skip_code_, skip_error_);
  }
  if (in_command_ || mode_ == Mode::Sasl) {
    in_command_ = true;
    return continue_line(line);
  }
  std::size_t i = 0;
  while (i < line.size() && is_atom_char(line[i])) ++i;
  if (i == 0) return parse_error(line.empty() ? "Empty command" : "Invalid command", line);
  if (i < line.size() && line[i] != ' ') return parse_error("Invalid command", line);
  cmd_.clear();
  for (char c : line.substr(0, i))
    cmd_ += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  in_command_ = true;
  return continue_line(line.substr(i));
}

Out Session::continue_line(std::string_view line) {
  command_octets_ += line.size();
  auto p = parse_args(line);
  if (!p.error.empty()) return parse_error(p.error, line);
  for (auto& a : p.args) args_.push_back(std::move(a));
  if (args_.size() > 8) return parse_error("Too many arguments", line);
  if (p.literal) {
    const std::uint64_t n = *p.literal;
    const std::uint64_t limit = literal_limit();
    if (n > limit) {
      const bool script = limit == options_.max_script_size && mode_ == Mode::Command;
      // Skipping costs only time (bounded by the timeout), but a client
      // announcing gigabytes is not worth waiting for.
      if (n > std::max<std::uint64_t>(limit * 4, 16 << 20)) {
        mode_ = Mode::Closed;
        Out o = reply("BYE", script ? "QUOTA/MAXSIZE" : "", "Literal too large");
        o.close = true;
        return o;
      }
      if (script)
        return parse_error(
            "Script is larger than the maximum of " + std::to_string(limit) + " octets", line,
            "QUOTA/MAXSIZE");
      return parse_error("String too long", line);
    }
    if (n == 0) {
      args_.push_back(Arg{});
      return {};
    }
    Out o;
    o.read_literal = n;
    return o;
  }
  // The command (or SASL response) is complete.
  if (mode_ == Mode::Sasl) {
    pending_ = true;
    Out o;
    o.work = true;
    return o;
  }
  static constexpr std::string_view inline_cmds[] = {"CAPABILITY", "NOOP", "LOGOUT", "STARTTLS",
                                                     "UNAUTHENTICATE"};
  if (std::find(std::begin(inline_cmds), std::end(inline_cmds), cmd_) != std::end(inline_cmds))
    return execute();
  pending_ = true;
  Out o;
  o.work = true;
  return o;
}

Out Session::on_literal(std::string_view bytes) {
  if (mode_ == Mode::Closed || skipping_) return {};
  command_octets_ += bytes.size();
  Arg a;
  a.text.assign(bytes);
  args_.push_back(std::move(a));
  return {};  // the rest of the command follows on the next line
}

Out Session::work() {
  if (!pending_) return {};
  pending_ = false;
  if (mode_ == Mode::Sasl) {
    std::vector<Arg> args = std::move(args_);
    reset_command();
    if (args.size() != 1 || args[0].kind != Arg::Kind::String) {
      exchange_.reset();
      mode_ = Mode::Command;
      return reply("NO", "", "Expected one string in the SASL exchange");
    }
    if (args[0].text == "*") {
      exchange_.reset();
      mode_ = Mode::Command;
      return reply("NO", "", "Authentication cancelled");
    }
    auto decoded = base64_decode(args[0].text);
    if (!decoded) return auth_failed("Invalid base64 in SASL response");
    return sasl_step(std::move(*decoded));
  }
  return execute();
}

Out Session::auth_failed(std::string_view text, std::string_view code) {
  exchange_.reset();
  mode_ = Mode::Command;
  ++auth_failures_;
  Out o;
  o.delay = guard_.failed(remote_, sasl_user_hint_);
  if (auth_failures_ >= options_.max_auth_failures) {
    mode_ = Mode::Closed;
    o.bytes = response("BYE", "", "Too many failed authentication attempts");
    o.close = true;
    return o;
  }
  o.bytes = response("NO", code, text);
  return o;
}

Out Session::sasl_step(std::optional<std::string> client) {
  if (client && sasl_user_hint_.empty()) sasl_user_hint_ = claimed_user(sasl_mech_, *client);
  auto r = exchange_->step(client ? std::optional<std::string_view>(*client) : std::nullopt);
  using S = SaslExchange::Step::Status;
  if (r.status == S::Continue) {
    mode_ = Mode::Sasl;
    Out o;
    o.bytes = string_out(base64_encode(r.data)) + "\r\n";
    return o;
  }
  if (r.status == S::Failure) return auth_failed("Authentication failed");
  auto store = backend_.open_store(r.user);
  if (!store) {
    exchange_.reset();
    mode_ = Mode::Command;
    return reply("NO", "TRYLATER", "Cannot open the script storage");
  }
  guard_.succeeded(remote_, r.user);
  exchange_.reset();
  mode_ = Mode::Command;
  user_ = r.user;
  store_ = std::move(store);
  // No text after the SASL code: cyrus sieveshell expects the line to end there.
  if (!r.data.empty()) return reply("OK", "SASL " + string_out(base64_encode(r.data)), "");
  return reply("OK", "", "Logged in");
}

Out Session::execute() {
  const std::string cmd = std::move(cmd_);
  const std::vector<Arg> args = std::move(args_);
  reset_command();
  auto str = [&](std::size_t i) -> const std::string* {
    return i < args.size() && args[i].kind == Arg::Kind::String ? &args[i].text : nullptr;
  };
  auto nargs = [&](std::size_t lo, std::size_t hi) {
    return args.size() >= lo && args.size() <= hi;
  };
  auto syntax = [&](std::string_view usage) {
    return reply("NO", "", "Syntax: " + std::string(usage));
  };

  if (cmd == "CAPABILITY") {
    if (!args.empty()) return syntax("CAPABILITY");
    Out o;
    o.bytes = capabilities() + "OK\r\n";
    return o;
  }
  if (cmd == "NOOP") {
    if (!nargs(0, 1) || (args.size() == 1 && !str(0))) return syntax("NOOP [tag]");
    if (args.size() == 1) return reply("OK", "TAG " + string_out(*str(0)), "Done");
    return reply("OK", "", "NOOP completed");
  }
  if (cmd == "LOGOUT") {
    if (!args.empty()) return syntax("LOGOUT");
    mode_ = Mode::Closed;
    Out o = reply("OK", "", "Logout completed");
    o.close = true;
    return o;
  }
  if (cmd == "STARTTLS") {
    if (!args.empty()) return syntax("STARTTLS");
    if (options_.tls_active) return reply("NO", "", "TLS is already active");
    if (authenticated()) return reply("NO", "", "STARTTLS is only allowed before authentication");
    if (!options_.tls_available) return reply("NO", "", "TLS is not available");
    Out o = reply("OK", "", "Begin TLS negotiation now");
    o.start_tls = true;
    return o;
  }
  if (cmd == "AUTHENTICATE") {
    if (authenticated()) return reply("NO", "", "Already authenticated");
    if (!nargs(1, 2) || !str(0) || (args.size() == 2 && !str(1)))
      return syntax("AUTHENTICATE mechanism [initial-response]");
    std::string mech;
    for (char c : *str(0)) mech += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (mech == "PLAIN" && !plaintext_ok())
      return reply("NO", "ENCRYPT-NEEDED", "PLAIN needs TLS (use STARTTLS) or SCRAM");
    exchange_ = sasl_.start(mech);
    if (!exchange_) return reply("NO", "", "Unsupported authentication mechanism");
    sasl_user_hint_.clear();
    sasl_mech_ = mech;
    std::optional<std::string> initial;
    if (args.size() == 2) {
      auto d = base64_decode(*str(1));
      if (!d) return auth_failed("Invalid base64 in initial response");
      initial = std::move(*d);
    }
    return sasl_step(std::move(initial));
  }
  if (cmd == "UNAUTHENTICATE") {
    if (!args.empty()) return syntax("UNAUTHENTICATE");
    if (!authenticated()) return reply("NO", "", "Not authenticated");
    user_.clear();
    store_.reset();
    return reply("OK", "", "Unauthenticated");
  }

  static constexpr std::string_view auth_cmds[] = {"HAVESPACE",    "PUTSCRIPT",  "LISTSCRIPTS",
                                                   "SETACTIVE",    "GETSCRIPT",  "DELETESCRIPT",
                                                   "RENAMESCRIPT", "CHECKSCRIPT"};
  if (std::find(std::begin(auth_cmds), std::end(auth_cmds), cmd) == std::end(auth_cmds))
    return reply("NO", "", "Unknown command");
  if (!authenticated()) return reply("NO", "", "Authenticate first");

  auto bad_name = [&](const std::string& name) -> std::optional<Out> {
    auto err = check_script_name(name, options_.max_name);
    if (err.empty()) return std::nullopt;
    return reply("NO", "", err);
  };

  if (cmd == "LISTSCRIPTS") {
    if (!args.empty()) return syntax("LISTSCRIPTS");
    auto l = store_->list();
    if (!l) return store_error(l.error());
    Out o;
    for (const auto& s : *l) o.bytes += string_out(s.name) + (s.active ? " ACTIVE\r\n" : "\r\n");
    o.bytes += response("OK", "", "");
    return o;
  }
  if (cmd == "HAVESPACE") {
    if (args.size() != 2 || !str(0) || args[1].kind != Arg::Kind::Number)
      return syntax("HAVESPACE name size");
    if (auto e = bad_name(*str(0))) return *e;
    auto r = store_->have_space(*str(0), args[1].number);
    if (!r) return store_error(r.error());
    return reply("OK", "", "Putscript would succeed");
  }
  if (cmd == "PUTSCRIPT" || cmd == "CHECKSCRIPT") {
    const bool put = cmd == "PUTSCRIPT";
    if (put ? (args.size() != 2 || !str(0) || !str(1)) : (args.size() != 1 || !str(0)))
      return syntax(put ? "PUTSCRIPT name script" : "CHECKSCRIPT script");
    const std::string& source = put ? *str(1) : *str(0);
    const std::string name = put ? *str(0) : "script";
    auto refused = [&](Out o, std::string_view why) {
      if (put) backend_.script_refused(user_, name, why);
      return o;
    };
    if (put) {
      if (auto e = bad_name(name)) return *e;
      if (source.empty())
        return refused(reply("NO", "", "Refusing to store an empty script"), "empty script");
      if (auto r = store_->have_space(name, source.size()); !r)
        return refused(store_error(r.error()), "quota");
    }
    auto c = backend_.check(name, source);
    if (!c.ok)
      return refused(reply("NO", "", c.errors.empty() ? "Compilation failed" : c.errors),
                     c.errors.empty() ? "compilation failed" : c.errors);
    if (put) {
      if (auto r = store_->put(name, source, c.binary); !r)
        return refused(store_error(r.error()), "storage error");
    }
    if (!c.warnings.empty()) return reply("OK", "WARNINGS", c.warnings);
    return reply("OK", "", put ? "Putscript completed" : "Script is valid");
  }
  if (cmd == "SETACTIVE") {
    if (args.size() != 1 || !str(0)) return syntax("SETACTIVE name");
    if (!str(0)->empty())
      if (auto e = bad_name(*str(0))) return *e;
    auto r = store_->set_active(*str(0));
    if (!r) return store_error(r.error());
    return reply("OK", "", str(0)->empty() ? "Script deactivated" : "Setactive completed");
  }
  if (cmd == "GETSCRIPT") {
    if (args.size() != 1 || !str(0)) return syntax("GETSCRIPT name");
    if (auto e = bad_name(*str(0))) return *e;
    auto r = store_->get(*str(0));
    if (!r) return store_error(r.error());
    Out o;
    o.bytes = "{" + std::to_string(r->size()) + "}\r\n" + *r + "\r\n" + response("OK", "", "");
    return o;
  }
  if (cmd == "DELETESCRIPT") {
    if (args.size() != 1 || !str(0)) return syntax("DELETESCRIPT name");
    if (auto e = bad_name(*str(0))) return *e;
    auto r = store_->remove(*str(0));
    if (!r) return store_error(r.error());
    return reply("OK", "", "Deletescript completed");
  }
  // RENAMESCRIPT
  if (args.size() != 2 || !str(0) || !str(1)) return syntax("RENAMESCRIPT old new");
  if (auto e = bad_name(*str(0))) return *e;
  if (auto e = bad_name(*str(1))) return *e;
  auto r = store_->rename(*str(0), *str(1));
  if (!r) return store_error(r.error());
  return reply("OK", "", "Renamescript completed");
}

}  // namespace zest::managesieve
