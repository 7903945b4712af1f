#include "manage-sieve/session.hpp"

#include <algorithm>

#include "base/base64.hpp"
#include "base/text.hpp"

namespace zest::managesieve {
namespace {

using Out = net::Output;

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

Out Session::reply(std::string_view status, std::string_view code, std::string_view text) {
  // Success without a code is a bare OK: cyrus sieveshell refuses text there.
  if (status == "OK" && code.empty()) text = {};
  Out o;
  o.bytes = response(status, code, text);
  return o;
}

Session::Session(Backend& backend, SaslServer& sasl, LoginGuard& guard, Options options,
                 std::string remote_address)
    : backend_(backend),
      sasl_(sasl),
      guard_(guard),
      options_(std::move(options)),
      remote_(std::move(remote_address)),
      login_started_(now()) {}

Session::~Session() {
  if (!exchange_) return;
  (void)guard_.failed(remote_, sasl_user_hint_);
  audit({"AUTHENTICATE",
         sasl_user_hint_,
         sasl_mech_,
         {},
         {},
         false,
         "connection closed during login"});
}

std::chrono::steady_clock::time_point Session::now() const {
  return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

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
  if (authenticated()) return options_.timeout_auth;
  // What is left of the login deadline, rounded up; 0 once it has passed.
  const auto left = login_started_ + options_.timeout_unauth - now();
  if (left <= std::chrono::steady_clock::duration::zero()) return std::chrono::seconds(0);
  return std::chrono::ceil<std::chrono::seconds>(left);
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
  const Command* c = find_command(cmd_);
  const bool script = c && c->script_arg == args_.size();
  return script && mode_ == Mode::Command ? options_.max_script_size : options_.max_string;
}

Out Session::parse_error(std::string_view text, std::string_view line, std::string_view code,
                         bool literal_checked) {
  const bool sasl = mode_ == Mode::Sasl;
  reset_command();
  if (trailing_literal(line) && !literal_checked) {
    // A line that does not parse says nothing reliable about what follows:
    // reading its literal would take whatever size it claims, and treating
    // the literal as commands would run what the client meant as data.
    // Refuse without reading anything more (issue 15.6).
    mode_ = Mode::Closed;
    Out o = reply("BYE", code, std::string(text) + " (before a literal)");
    o.close = true;
    return o;
  }
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
      // Skipping stays bounded like the first literal was.
      if (*n > std::max<std::uint64_t>(options_.max_script_size * 4, 16 << 20)) {
        mode_ = Mode::Closed;
        Out o = reply("BYE", "", "Literal too large");
        o.close = true;
        return o;
      }
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
  cmd_ = base::to_upper(line.substr(0, i));
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
            "QUOTA/MAXSIZE", true);
      return parse_error("String too long", line, {}, true);
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
  if (const Command* c = find_command(cmd_); c && c->quick) return execute();
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
      // A cancelled exchange is a failed attempt too (issue 15.4).
      Out o = auth_failed("Authentication cancelled");
      return o;
    }
    auto decoded = base::base64_decode(args[0].text);
    if (!decoded) return auth_failed("Invalid base64 in SASL response");
    return sasl_step(std::move(*decoded));
  }
  return execute();
}

Out Session::auth_failed(std::string_view text, std::string_view code) {
  audit({"AUTHENTICATE", sasl_user_hint_, sasl_mech_, {}, {}, false, text});
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
    o.bytes = string_out(base::base64_encode(r.data)) + "\r\n";
    return o;
  }
  if (r.status == S::Failure && r.temporary) {
    // The user database did not answer: not the client's fault, neither
    // counted nor a login-failed line (fail2ban); the lookup logs it.
    exchange_.reset();
    mode_ = Mode::Command;
    return reply("NO", "TRYLATER", "Temporary authentication failure");
  }
  if (r.status == S::Failure) return auth_failed("Authentication failed");
  auto store = backend_.open_store(r.user);
  if (!store) {
    exchange_.reset();
    mode_ = Mode::Command;
    return reply("NO", "TRYLATER", "Cannot open the script storage");
  }
  guard_.succeeded(remote_, r.user);
  audit({"AUTHENTICATE", r.user, sasl_mech_, {}, {}, true, {}});
  exchange_.reset();
  mode_ = Mode::Command;
  user_ = r.user;
  store_ = std::move(store);
  // No text after the SASL code: cyrus sieveshell expects the line to end there.
  if (!r.data.empty()) return reply("OK", "SASL " + string_out(base::base64_encode(r.data)), "");
  return reply("OK", "", "Logged in");
}

}  // namespace zest::managesieve
