// The LMTP (RFC 2033) server state machine: lines in, reply bytes out. It
// knows no sockets; net/ feeds it lines and writes what it returns. After
// the final "." the replies come one per accepted recipient from
// deliver_next(), which the caller runs off the I/O thread while the
// returned net::Output asks for `work`.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "net/output.hpp"

namespace zest::delivery {

struct LmtpReply {
  int code = 250;
  std::string enhanced;  // "2.0.0"; empty for replies that carry none
  std::string text;      // several lines for a multi-line reply
};
// "250-2.0.0 a\r\n250 2.0.0 b\r\n"
std::string format_reply(const LmtpReply& reply);

struct LmtpTransaction {
  std::string helo;                // the LHLO argument
  std::string remote;              // peer description for the Received field
  std::string from;                // reverse-path without <>; "" = null
  std::vector<std::string> rcpts;  // accepted, in RCPT order
  // The original recipient of each (RCPT ORCPT=rfc822;...), "" when none.
  std::vector<std::string> orig_rcpts;
  std::string data;  // the message, unstuffed, with LF line ends
  // MAIL FROM's SIZE= (RFC 1870), 0 when not given: the DATA buffer is
  // reserved from it, so a large message is not copied while it arrives.
  std::size_t declared_size = 0;
  std::string session;  // session id
};

// What the session needs from the rest of the server.
class LmtpBackend {
 public:
  virtual ~LmtpBackend() = default;
  // RCPT time check: 250 accepts; anything else is the reply.
  virtual LmtpReply check_recipient(std::string_view rcpt) = 0;
  // The reply for recipient number `index` of `tx` after DATA. The last
  // recipient's delivery may take `tx.data` (it is reset afterwards).
  virtual LmtpReply deliver(LmtpTransaction& tx, std::size_t index) = 0;
};

struct LmtpOptions {
  std::string hostname = "localhost";
  std::size_t max_message_size = 50 * 1024 * 1024;  // octets, SIZE
  std::size_t max_recipients = 1000;
  std::size_t max_command_line = 2048;  // RFC 5321 asks for at least 512 (+26 for SIZE)
  bool tls_available = false;           // offer STARTTLS
  bool tls_active = false;
  std::chrono::seconds command_timeout{300};  // RFC 5321 §4.5.3.2.7: at least 5 minutes
  std::chrono::seconds data_timeout{300};
};

// Told of every refused RCPT (the address, or the argument when it did not
// parse, and the reply): the log's rcpt-refused line.
using RcptRefusedFn = std::function<void(std::string_view rcpt, const LmtpReply& reply)>;

class LmtpSession {
 public:
  enum class State { Greeting, Ready, Mail, Rcpt, Data, Delivering, Closed };
  LmtpSession(LmtpBackend& backend, LmtpOptions options, std::string remote, std::string id);

  net::Output greeting();
  // One input line without its line end; `crlf` is false when it ended in a
  // bare LF.
  net::Output on_line(std::string_view line, bool crlf);
  // The reader dropped a line longer than its bound.
  net::Output on_overlong_line();
  net::Output on_timeout();
  // The next per-recipient reply after DATA; `more` tells whether another follows.
  net::Output deliver_next();
  void tls_started();

  State state() const { return state_; }
  void set_rcpt_refused(RcptRefusedFn fn) { on_rcpt_refused_ = std::move(fn); }
  std::chrono::seconds timeout() const;

 private:
  net::Output command(std::string_view line);
  net::Output on_data_line(std::string_view line, bool crlf);
  net::Output lhlo(std::string_view arg);
  net::Output mail(std::string_view arg);
  net::Output rcpt(std::string_view arg);
  void reset_transaction();

  LmtpBackend& backend_;
  LmtpOptions options_;
  State state_ = State::Greeting;
  LmtpTransaction tx_;
  bool data_bad_ = false;  // bare LF/CR or overlong line inside DATA
  bool data_too_big_ = false;
  std::size_t data_size_ = 0;  // RFC 1870 §5: octets incl. CRLFs, after unstuffing
  std::size_t next_rcpt_ = 0;  // deliver_next() position
  std::string data_error_;
  RcptRefusedFn on_rcpt_refused_;
};

// Parses "FROM:<path> PARAMS" / "TO:<path> PARAMS": the path without <> and
// the parameters; false when malformed. Exposed for tests and fuzzing.
struct PathArg {
  std::string address;
  std::vector<std::pair<std::string, std::string>> params;  // keyword upper-cased
};
bool parse_path_arg(std::string_view arg, std::string_view keyword, PathArg& out);

}  // namespace zest::delivery
