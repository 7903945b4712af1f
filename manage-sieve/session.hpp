// The ManageSieve (RFC 5804) server state machine: command lines and
// literals in, response bytes out (as net::Output). It knows no sockets:
// net/ (or a test) feeds it lines, reads the literals it asks for, runs
// work() off the I/O thread and writes what it returns.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manage-sieve/login_guard.hpp"
#include "manage-sieve/protocol.hpp"
#include "manage-sieve/sasl.hpp"
#include "net/output.hpp"
#include "store/script_store.hpp"

namespace zest::managesieve {

struct CheckResult {
  bool ok = false;
  std::string errors;                // diagnostics, one per line (with source excerpt)
  std::string warnings;              // idem
  std::vector<std::uint8_t> binary;  // the compiled program when ok
};

// What a session needs from the server.
class Backend {
 public:
  virtual ~Backend() = default;
  // The user's script store; nullptr when the user has none (TRYLATER).
  virtual std::unique_ptr<store::ScriptStore> open_store(std::string_view user) = 0;
  // Compiles like delivery does; `name` labels the diagnostics.
  virtual CheckResult check(std::string_view name, std::string_view source) = 0;
  // A PUTSCRIPT was refused (invalid script, quota, storage error): for the
  // vnd.zest.SieveScriptRefused event (docs/events.md).
  virtual void script_refused(std::string_view /*user*/, std::string_view /*name*/,
                              std::string_view /*reason*/) {}
};

// What a session reports for the administrator's log: every login attempt
// (AUTHENTICATE, with its outcome) and every PUTSCRIPT, SETACTIVE,
// DELETESCRIPT and RENAMESCRIPT (docs/logging.md).
struct AuditRecord {
  std::string_view command;    // "AUTHENTICATE", "PUTSCRIPT", ...
  std::string_view user;       // logged-in user; for a failed login the name claimed, if any
  std::string_view mechanism;  // AUTHENTICATE only
  std::string_view script, new_name;
  bool ok = false;
  std::string_view reason;  // why not, when !ok
};

struct Options {
  std::string implementation = "zest";
  // Receives the AuditRecords; unset = nothing is reported.
  std::function<void(const AuditRecord&)> audit;
  std::vector<std::string> sieve_extensions;  // SIEVE capability
  std::vector<std::string> notify_methods;    // NOTIFY capability (when enotify is on)
  std::size_t max_redirects = 4;
  bool tls_available = false;  // STARTTLS can be offered
  bool tls_active = false;
  bool loopback = false;                    // the peer is on this host
  bool allow_plaintext_auth = false;        // PLAIN without TLS from anywhere
  std::uint64_t max_script_size = 1 << 20;  // literal bound of PUTSCRIPT/CHECKSCRIPT
  std::size_t max_string = 8192;            // other literals (names, SASL)
  std::size_t max_name = 512;               // script name octets
  unsigned max_auth_failures = 3;           // per connection, then BYE
  // From connect to a successful login in total, not per read: a client
  // that sends a byte now and then cannot hold a slot for ever.
  std::chrono::seconds timeout_unauth{60};
  std::chrono::seconds timeout_auth{1800};  // RFC 5804 §1.8: at least 30 minutes
  // The clock of the login deadline; tests replace it (no sleeping).
  std::function<std::chrono::steady_clock::time_point()> clock;
};

class Session {
 public:
  Session(Backend& backend, SaslServer& sasl, LoginGuard& guard, Options options,
          std::string remote_address);
  // A SASL exchange still open when the connection ends counts as a failed
  // login: abandoning a guess must cost what a wrong guess costs.
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  net::Output greeting();
  net::Output on_line(std::string_view line, bool crlf);
  net::Output on_literal(std::string_view bytes);
  net::Output on_overlong_line();
  net::Output on_timeout();
  net::Output work();
  // After the STARTTLS handshake: the capabilities again (RFC 5804 §2.2).
  net::Output tls_started();
  std::chrono::seconds timeout() const;

  bool authenticated() const { return !user_.empty(); }
  const std::string& user() const { return user_; }
  std::string capabilities() const;

 private:
  enum class Mode { Command, Sasl, Closed };
  using Args = std::vector<Arg>;

  // A row of the command table (commands.cpp).
  struct Command {
    // Checked before the arguments. STARTTLS and UNAUTHENTICATE are Any:
    // they check their state themselves, after their arguments.
    enum class Needs { Any, Login, NoLogin };
    static constexpr std::size_t kNoScript = static_cast<std::size_t>(-1);
    std::string_view name;  // upper case
    Needs needs = Needs::Any;
    // Between min_args and max_args arguments (at most two), of these kinds.
    std::size_t min_args = 0, max_args = 0;
    std::array<Arg::Kind, 2> kinds{Arg::Kind::String, Arg::Kind::String};
    std::string_view usage;  // the reply to other arguments: NO "Syntax: <usage>"
    net::Output (Session::*run)(const Args&) = nullptr;
    bool quick = false;  // no storage or compiling: answered on the I/O thread
    // This argument is the script: its literal may be max_script_size long.
    std::size_t script_arg = kNoScript;
    bool accepts(const Args& args) const;
  };

  // "OK"/"NO"/"BYE" with an optional code and text.
  static net::Output reply(std::string_view status, std::string_view code = {},
                           std::string_view text = {});
  static const Command* find_command(std::string_view name);
  net::Output execute();  // the command in cmd_/args_, complete
  net::Output sasl_step(std::optional<std::string> client);
  net::Output auth_failed(std::string_view text, std::string_view code = {});
  // `literal_checked`: the line parsed and its literal's size was checked
  // against a limit, so the literal can be skipped to stay in step.
  net::Output parse_error(std::string_view text, std::string_view line, std::string_view code = {},
                          bool literal_checked = false);
  net::Output continue_line(std::string_view line);
  std::uint64_t literal_limit() const;
  bool plaintext_ok() const;
  void reset_command();

  // The commands (commands.cpp); their arguments match the table's shape.
  net::Output capability(const Args& args);
  net::Output noop(const Args& args);
  net::Output logout(const Args& args);
  net::Output starttls(const Args& args);
  net::Output authenticate(const Args& args);
  net::Output unauthenticate(const Args& args);
  net::Output listscripts(const Args& args);
  net::Output havespace(const Args& args);
  net::Output putscript(const Args& args);
  net::Output checkscript(const Args& args);
  net::Output setactive(const Args& args);
  net::Output getscript(const Args& args);
  net::Output deletescript(const Args& args);
  net::Output renamescript(const Args& args);
  net::Output check_and_store(const std::string& name, const std::string& source, bool put);
  void audit(const AuditRecord& r) const {
    if (options_.audit) options_.audit(r);
  }

  Backend& backend_;
  SaslServer& sasl_;
  LoginGuard& guard_;
  Options options_;
  std::string remote_;
  Mode mode_ = Mode::Command;
  std::string user_;
  std::unique_ptr<store::ScriptStore> store_;
  std::unique_ptr<SaslExchange> exchange_;
  std::string sasl_user_hint_;  // for failure accounting (PLAIN's authcid)
  unsigned auth_failures_ = 0;
  std::chrono::steady_clock::time_point login_started_;  // connect or UNAUTHENTICATE
  std::chrono::steady_clock::time_point now() const;

  // The command being assembled over lines and literals.
  bool in_command_ = false;
  std::string cmd_;  // upper-cased name
  Args args_;
  std::size_t command_octets_ = 0;
  bool skipping_ = false;  // a failed command's remaining literals are skipped
  std::string skip_error_, skip_code_;
  std::string sasl_mech_;
  std::string refusal_;  // why the command running was refused, for the audit
  bool pending_ = false;  // execute() on the next work()
};

}  // namespace zest::managesieve
