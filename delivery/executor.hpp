// Carrying out the actions of a Sieve result. The executor turns an
// interp::ActionList into calls on a DeliveryBackend; the LMTP agent
// implements the backend over the real mail store and SMTP submission, the
// sieve-testsuite tool over a throw-away simulation.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "interp/actions.hpp"
#include "interp/host.hpp"
#include "interp/settings.hpp"
#include "methods/notifier.hpp"

namespace zest::mail {
class Message;
}

namespace zest::delivery {

// Every operation that can fail says why in its Status.
class DeliveryBackend {
 public:
  virtual ~DeliveryBackend() = default;

  virtual bool mailbox_exists(std::string_view mailbox) = 0;
  virtual Status create_mailbox(std::string_view mailbox) = 0;
  // Appends the message to an existing mailbox with the given IMAP flags.
  virtual Status store(std::string_view mailbox, std::span<const std::string> flags,
                       std::string_view message) = 0;
  // Submits one message for one recipient; an empty envelope_from is the
  // null sender.
  virtual Status send_mail(std::string_view envelope_from, std::string_view rcpt,
                           std::string_view message) = 0;
  // Duplicate tracking (redirect loops, the duplicate extension, vacation).
  virtual bool duplicate_seen(std::string_view id) = 0;
  virtual void duplicate_mark(std::string_view id, std::chrono::seconds period) = 0;
  // Claims `id` for an action about to happen (a vacation reply, a
  // redirect): false when it was seen, or when a concurrent delivery
  // claimed it first. A claim becomes a mark (duplicate_mark) or is
  // released (duplicate_release) when the action did not happen.
  virtual bool duplicate_claim(std::string_view id) { return !duplicate_seen(id); }
  virtual void duplicate_release(std::string_view /*id*/) {}
  // RFC 9042: the name of the mailbox with this object id, if any.
  virtual std::optional<std::string> mailbox_by_id(std::string_view /*id*/) { return std::nullopt; }
  // Takes a notification or a vacation reply to be recorded with the
  // delivery and sent later (the host's durable outbox); false = this
  // backend has none, send it now.
  virtual bool defer(bool /*vacation*/, const methods::Payload& /*payload*/) { return false; }
};

// What the executor needs to know about the delivery in progress.
struct DeliveryContext {
  const mail::Message& message;
  const interp::Envelope& envelope;
  const interp::EngineSettings& settings;
  std::string postmaster = "postmaster@example.com";
  std::string default_mailbox = "INBOX";
  // Carrier of xmpp/https notifications (mailto goes through send_mail);
  // null = those methods are not configured. Optional per-user rate limit.
  methods::Transport* notify_transport = nullptr;
  methods::RateLimiter* notify_rate = nullptr;
  std::string account{};  // the local user, whose notifications the rate limit counts
  // The notification methods, built once by the host at start-up; null =
  // none (every notify action then fails as an unsupported method).
  const methods::MethodRegistry* notify_methods = nullptr;
  // Runs the program of a vnd.dovecot.pipe action (delivery/ext_programs.hpp);
  // empty = pipe actions fail ("not available here").
  std::function<interp::ProgramResult(const interp::ProgramCall&)> run_program{};
};

// Progress of executing one result, so that a result that grows (several
// scripts adding to it) is executed incrementally.
struct ExecutionState {
  std::size_t executed = 0;  // actions of the list already carried out
  bool implicit_keep_done = false;
  std::size_t marks_done = 0;     // duplicate ids of the list already recorded
  methods::NotifierState notify;  // recipients notified so far (RFC 5436 §2.7)
};

struct ExecutionStatus {
  bool ok = true;
  std::vector<std::string> errors;
  // Actions deliberately not carried out, with why (for the log): a
  // vacation reply to a list, to a sender already answered, ...
  std::vector<std::string> skipped;
  // What became of each notification ("sent"/"skipped", the method's words).
  struct Notified {
    std::string uri, status, detail;
  };
  std::vector<Notified> notifications;
};

// Executes the not yet executed actions of `actions`. With
// `commit_implicit_keep` the implicit keep is carried out when it is still
// pending; a failed action also falls back to it (RFC 5228 §2.10.6).
ExecutionStatus execute(const interp::ActionList& actions, const interp::Flags& keep_flags,
                        ExecutionState& state, bool commit_implicit_keep,
                        const DeliveryContext& ctx, DeliveryBackend& backend);

// The messages the executor generates, exposed for tests.
// `edited`: the message with editheader edits, when the action carried one.
std::string redirected_message(const DeliveryContext& ctx, const mail::Message* edited = nullptr);
std::string rejection_message(const DeliveryContext& ctx, std::string_view reason);

}  // namespace zest::delivery
