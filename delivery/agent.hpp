// Delivery of one message to one local recipient, shared by the LMTP
// server and the LDA: resolve the user, run the admin "before" scripts, the
// user's active (or the default) script and the "after" scripts, carry the
// actions out in two phases, and say what to answer.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "delivery/delivery_log.hpp"
#include "delivery/delivery_observer.hpp"
#include "delivery/maildir_backend.hpp"
#include "delivery/outcome.hpp"
#include "delivery/reject_policy.hpp"
#include "delivery/state_backend.hpp"
#include "interp/host.hpp"
#include "interp/registry.hpp"
#include "interp/settings.hpp"
#include "methods/method.hpp"
#include "metrics/zest_metrics.hpp"
#include "store/script_cache.hpp"
#include "store/user_paths.hpp"
#include "transport/smtp_submit.hpp"

namespace zest::delivery {

struct AgentOptions {
  // Homes, Maildirs and script places ([users] templates, data_dir) and
  // the [quota] storage default (octets per user, 0 = no limit).
  store::PathTemplates paths;
  std::string hostname = "localhost";
  std::string postmaster = "postmaster@localhost";
  RejectMode reject = RejectMode::Protocol;
  std::vector<std::filesystem::path> sieve_before, sieve_after;  // files or directories
  std::filesystem::path sieve_default;     // for users without an active script ("" = none)
  bool autocreate = false;                 // fileinto creates folders without :create
  char hierarchy_separator = '/';          // of mailbox names in scripts: '/' or '.'
  std::filesystem::path sieve_global_dir;  // include :global scripts ("" = none)
  std::string recipient_delimiter = "+";
  std::size_t max_hops = 100;                 // Received fields before we call it a loop
  std::size_t notify_max_per_user_hour = 30;  // counted in <home>/.zest.notify-rate; 0 = no limit
  // [maildir] lock_timeout, stale_lock_timeout, lock_method (on_stale is set by the agent).
  store::LockSettings maildir_locks;
  // [maildir] fsync_threads: issue a folder's independent fsyncs at once.
  unsigned fsync_threads = 0;
};

struct LocalUser {
  std::string name;
  std::filesystem::path home;
  store::SieveHome where;           // home, Maildir, script directory, active link
  std::uint64_t quota_storage = 0;  // octets; 0 = no limit
};
LocalUser local_user(store::UserPlace place);

struct DeliveryRequest {
  std::string from;  // envelope sender without <>; "" = null sender
  std::string rcpt;  // envelope recipient as given
  std::string orig_rcpt;
  std::string_view message;  // LF line ends, without our trace fields
  // When set, `message` is all of *message_buffer, and this delivery may
  // take the buffer (the last recipient of an LMTP transaction): the trace
  // fields are then inserted in front of it in place instead of copying
  // the message, so a large message is held once, not twice.
  std::string* message_buffer = nullptr;
  std::string trace;    // "Received: ..." field(s) to prepend (LF-terminated)
  std::string session;  // id for the log
};

// `duplicates`: the user's duplicate ids for this delivery ([state] backend).
using BackendFactory = std::function<std::unique_ptr<StagedBackend>(
    const LocalUser& user, transport::MailSender& sender,
    std::shared_ptr<store::DuplicateStore> duplicates)>;

class DeliveryAgent {
 public:
  DeliveryAgent(AgentOptions options, store::UserSource& users, store::ScriptCache& scripts,
                transport::MailSender& sender, const interp::Registry& registry,
                const interp::EngineSettings& settings, LogFn log);

  // For fault-injection tests: replaces the Maildir backend.
  void set_backend_factory(BackendFactory f) { factory_ = std::move(f); }
  // Carrier of xmpp and https notifications (mailto goes through the
  // transport::MailSender); without one those methods fail, logged.
  void set_notify_transport(methods::Transport* t) { notify_transport_ = t; }
  // The notification methods (mailto, xmpp, https), built once at start-up;
  // without them every notify action fails, logged.
  void set_notify_methods(const methods::MethodRegistry* m) { notify_methods_ = m; }
  // Who hears of quota refusals and committed deliveries; null = nobody.
  // They have heard before deliver() returns a 2xx outcome.
  void set_observer(DeliveryObserver* o) { observer_ = o; }
  // Where deliveries are counted (docs/metrics.md); null = nowhere.
  void set_metrics(metrics::ZestMetrics* m) { metrics_ = m; }
  // Where duplicate ids and notify rate counts live ([state] backend);
  // null = the files in the homes (LocalState).
  void set_state(StateBackend* s) { state_ = s ? s : &local_state_; }

  // nullopt: no such user. Error: temporary (the user database cannot
  // answer: 451 / EX_TEMPFAIL) or not (a name the path templates refuse).
  Result<std::optional<LocalUser>, store::LookupError> lookup(std::string_view rcpt);
  // The steps: loop check, quota gate, script sequence, reject policy,
  // execution, commit, observers; then the answer.
  Outcome deliver(const LocalUser& user, const DeliveryRequest& request);
  const AgentOptions& options() const { return options_; }

 private:
  struct Executed;
  // Carries the actions out on the backend (stores staged, mail queued).
  Executed execute(const LocalUser& user, const mail::Message& msg, const interp::Envelope& env,
                   const interp::ActionList& list, const interp::Flags& keep_flags,
                   StagedBackend& backend, UserRateLimiter& rate, DeliveryLog& log) const;

  AgentOptions options_;
  store::UserSource& users_;
  store::ScriptCache& scripts_;
  transport::MailSender& sender_;
  const interp::Registry& registry_;
  const interp::EngineSettings& settings_;
  LogFn log_;
  BackendFactory factory_;
  base::ParallelRunner syncs_;  // options_.fsync_threads
  methods::Transport* notify_transport_ = nullptr;
  const methods::MethodRegistry* notify_methods_ = nullptr;
  DeliveryObserver* observer_ = nullptr;
  metrics::ZestMetrics* metrics_ = nullptr;
  LocalState local_state_;
  StateBackend* state_ = &local_state_;
};

}  // namespace zest::delivery
