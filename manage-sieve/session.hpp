// The ManageSieve (RFC 5804) server state machine: command lines and
// literals in, response bytes out. It knows no sockets: net/ (or a test)
// feeds it lines, reads the literals it asks for, runs work() off the I/O
// thread and writes what it returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "manage-sieve/protocol.hpp"
#include "manage-sieve/sasl.hpp"
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

// Failed logins per remote address and per user, shared by all sessions
// (thread-safe). The delay doubles with every recent failure.
class LoginGuard {
 public:
  struct Options {
    std::chrono::milliseconds base_delay{500};
    std::chrono::milliseconds max_delay{8000};
    std::chrono::seconds window{600};  // failures older than this are forgotten
  };
  LoginGuard() = default;
  explicit LoginGuard(Options o) : options_(o) {}
  // Records a failure; returns how long to wait before answering.
  std::chrono::milliseconds failed(std::string_view address, std::string_view user);
  void succeeded(std::string_view address, std::string_view user);
  unsigned failures(std::string_view address, std::string_view user);

 private:
  struct Count {
    unsigned n = 0;
    std::chrono::steady_clock::time_point last;
  };
  unsigned get(std::unordered_map<std::string, Count>& m, const std::string& key,
               std::chrono::steady_clock::time_point now);
  Options options_;
  std::mutex mu_;
  std::unordered_map<std::string, Count> by_address_, by_user_;
};

struct Options {
  std::string implementation = "zest";
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
  std::chrono::seconds timeout_unauth{60};
  std::chrono::seconds timeout_auth{1800};  // RFC 5804 §1.8: at least 30 minutes
};

class Session {
 public:
  struct Output {
    std::string bytes;
    bool close = false;
    bool start_tls = false;              // after writing; buffered input is discarded
    bool work = false;                   // call work() (off the I/O thread)
    std::uint64_t read_literal = 0;      // next: hand exactly this many octets to on_literal
    bool discard_literal = false;        // ... which the session ignores (may skip buffering)
    std::chrono::milliseconds delay{0};  // wait before writing bytes (failed login)
  };

  Session(Backend& backend, SaslServer& sasl, LoginGuard& guard, Options options,
          std::string remote_address);

  Output greeting();
  Output on_line(std::string_view line, bool crlf);
  Output on_literal(std::string_view bytes);
  Output on_overlong_line();
  Output on_timeout();
  Output work();
  // After the STARTTLS handshake: the capabilities again (RFC 5804 §2.2).
  Output tls_started();
  std::chrono::seconds timeout() const;

  bool authenticated() const { return !user_.empty(); }
  const std::string& user() const { return user_; }
  std::string capabilities() const;

 private:
  enum class Mode { Command, Sasl, Closed };
  Output execute();  // the command in cmd_/args_, complete
  Output run_pending();
  Output sasl_step(std::optional<std::string> client);
  Output auth_failed(std::string_view text, std::string_view code = {});
  Output parse_error(std::string_view text, std::string_view line, std::string_view code = {});
  Output continue_line(std::string_view line);
  std::uint64_t literal_limit() const;
  bool plaintext_ok() const;
  void reset_command();

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

  // The command being assembled over lines and literals.
  bool in_command_ = false;
  std::string cmd_;  // upper-cased name
  std::vector<Arg> args_;
  std::size_t command_octets_ = 0;
  bool skipping_ = false;  // a failed command's remaining literals are skipped
  std::string skip_error_, skip_code_;
  std::string sasl_mech_;
  bool pending_ = false;  // execute() on the next work()
};

}  // namespace zest::managesieve
