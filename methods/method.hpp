// The notification-method interface of RFC 5435 enotify (methods/ in
// ARCHITECTURE.md). Everything here is pure: URI/from/option checks,
// capabilities and `prepare`, which turns one notify action into the
// payload a transport carries. Transports (SMTP, HTTP, XMPP) live in
// transport/ and are injected into `send`, so the interpreter can check
// URIs at compile time without linking any network library.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.hpp"

namespace zest::methods {

// What one notify action asks for, after variable expansion.
struct NotifyRequest {
  std::string uri;
  std::optional<std::string> from;
  int importance = 2;  // 1 high, 2 normal, 3 low
  std::vector<std::string> options;
  std::optional<std::string> message;
};

// The triggering message and delivery, as the methods need them.
struct Trigger {
  std::string envelope_from;    // "" = null sender
  std::string envelope_to;      // the Sieve user's recipient address
  std::string user_email;       // sieve_user_email ("" = envelope_to)
  std::string user;             // account name, for http "user"
  std::string account;          // local account the per-hour limit counts for ("" = user)
  std::string from;             // From header, RFC 2047 decoded
  std::string subject;          // Subject header, decoded ("" when absent)
  std::string date;             // Date header as written
  std::string message_id;       // Message-ID header as written
  bool auto_submitted = false;  // Auto-Submitted present and not "no"
  bool notification = false;    // carries our own loop marker
  // Supplied by the caller so that prepare stays pure and testable.
  std::int64_t now = 0;  // Unix seconds
  std::string nonce;     // unique per delivery: Message-ID, webhook-id
  std::string hostname = "localhost";
};

// Settings of the methods (from [notify] and the engine settings).
struct Policy {
  bool allow_http = false;  // accept http: URIs, not only https:
  std::string postmaster = "postmaster@localhost";
  // sieve_notify_mailto_envelope_from: "" (default: :from, else
  // postmaster), "sender", "recipient", "user_email", "<addr>".
  std::string mailto_envelope_from;
  std::string xmpp_jid;              // the service account ("" = not configured)
  std::string xmpp_type = "normal";  // "normal" or "headline"
  std::size_t max_recipients = 8;    // per mailto URI (Pigeonhole's default)
  std::size_t max_headers = 16;
  std::string product = "zest";
};

struct Header {
  std::string name;
  std::string value;
};
struct Recipient {
  std::string field;      // "to" or "cc"
  std::string address;    // as given (may have a display name)
  std::string addr_spec;  // the bare address (envelope)
};

// The prepared notifications, one per transport.
struct MailPayload {
  std::string envelope_from;       // "" = null sender
  std::vector<std::string> rcpts;  // envelope recipients
  std::string message;             // RFC 5322, CRLF line ends
};
struct XmppPayload {
  std::string to;  // bare or full JID
  std::string type = "normal";
  std::optional<std::string> subject;
  std::string body;
  std::vector<Header> shim;  // XEP-0131 headers (Urgency, Resent-From)
};
struct HttpPayload {
  std::string url;
  std::string event_id;         // webhook-id, the same on every retry
  std::string body;             // JSON
  std::vector<Header> headers;  // without the signature headers
};
using Payload = std::variant<MailPayload, XmppPayload, HttpPayload>;

// The carriers, injected by the host (zestd, sieve-test, tests).
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Status send_mail(const MailPayload& p) = 0;
  virtual Status send_xmpp(const XmppPayload& p) = 0;
  virtual Status send_http(const HttpPayload& p) = 0;
};

// How sieve-test --json and the result tests show a notification.
struct Description {
  std::vector<Recipient> recipients;
  std::vector<Header> headers;
  std::optional<std::string> subject;
  std::optional<std::string> body;
};

// Results of a URI check: errors fail, warnings are reported.
struct UriCheck {
  std::optional<std::string> error;
  std::vector<std::string> warnings;
};

class Method {
 public:
  virtual ~Method() = default;
  virtual std::string_view scheme() const = 0;
  virtual UriCheck check_uri(std::string_view uri) const = 0;
  // Syntax of :from for this method (compile time when constant).
  virtual Status check_from(std::string_view from) const = 0;
  // :options are ignored by every method so far; syntax is checked generically.
  virtual Status check_option(std::string_view /*name*/, std::string_view /*value*/) const {
    return Status::success();
  }
  // notify_method_capability: nullopt = unknown capability (test false).
  virtual std::optional<std::string> capability(std::string_view uri, std::string_view name) const;
  // Builds the payload; errors are run-time problems (bad URI).
  // `exclude` lists targets already notified in this run (mailto drops them).
  virtual Result<Payload> prepare(const NotifyRequest& req, const Trigger& trigger,
                                  const Policy& policy,
                                  std::span<const std::string> exclude = {}) const = 0;
  virtual Description describe(const NotifyRequest& req) const = 0;
  // The targets of a request, for duplicate suppression across actions of
  // one run (mailto: each recipient once).
  virtual std::vector<std::string> targets(const NotifyRequest& req) const;
  Status send(const Payload& p, Transport& t) const;
};

class MethodRegistry {
 public:
  void add(std::unique_ptr<Method> m);
  const Method* find(std::string_view uri_or_scheme) const;  // by scheme, case-insensitive
  std::vector<std::string> schemes() const;

 private:
  std::vector<std::unique_ptr<Method>> methods_;
};

// mailto, xmpp, https (and http: when the policy allows it).
MethodRegistry standard_methods(const Policy& policy);

// The scheme of a URI ("" when it has none), lower-cased.
std::string scheme_of(std::string_view uri);

// RFC 5435 §3.5 option syntax.
Status check_option_syntax(std::string_view option);

// The default :message text (RFC 5435 §3.6 recommends From and Subject).
std::string default_message(const Trigger& t);

// Percent-encoding (RFC 3986 unreserved kept), the :encodeurl modifier;
// `limit` truncates on an escape and UTF-8 character boundary (0 = none).
std::string encode_url(std::string_view s, std::size_t limit = 0);
}  // namespace zest::methods
