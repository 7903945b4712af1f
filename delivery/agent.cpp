#include "delivery/agent.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <variant>

#include "base/atomic_file.hpp"
#include "base/logfmt.hpp"
#include "delivery/executor.hpp"
#include "delivery/ext_programs.hpp"
#include "delivery/maildir_host.hpp"
#include "delivery/quota_gate.hpp"
#include "delivery/script_sequence.hpp"
#include "delivery/trace_file.hpp"
#include "mail/message.hpp"

namespace zest::delivery {
namespace fs = std::filesystem;
namespace {

const Outcome kStorageFailure{Outcome::Kind::TempFail, 452, "4.3.1",
                              "Mail system full or I/O error"};
// The state store ([state] backend) could not answer: nothing was acted on.
const Outcome kStateFailure{Outcome::Kind::TempFail, 451, "4.3.0",
                            "Temporary failure reading Sieve state, try again later"};

interp::Envelope envelope_of(const DeliveryRequest& req) {
  interp::Envelope env;
  env.from = req.from;
  env.to = req.rcpt;
  env.orig_to = req.orig_rcpt.empty() ? req.rcpt : req.orig_rcpt;
  return env;
}

// Makes what the executor staged durable: outgoing mail first, then the
// stored copies. nullopt when it all went through.
std::optional<Outcome> commit(StagedBackend& backend, DeliveryLog& log) {
  if (backend.storage_failed()) {
    backend.rollback();
    return kStorageFailure;
  }
  auto committed = backend.commit();
  for (const auto& w : committed.warnings) log.event("send-warning", {{"error", w}});
  if (committed.failure == StagedBackend::Failure::Storage) {
    log.detail = committed.error;
    return kStorageFailure;
  }
  if (committed.failure == StagedBackend::Failure::State) {
    log.detail = committed.error;
    log.event("state-error", {{"error", committed.error}});
    return kStateFailure;
  }
  if (committed.failure == StagedBackend::Failure::Busy) {
    log.detail = committed.error;
    return Outcome{Outcome::Kind::TempFail, 451, "4.2.0",
                   "Mailbox locked by another process, try again later"};
  }
  if (committed.failure == StagedBackend::Failure::Submission) {
    log.detail = committed.error;
    return Outcome{Outcome::Kind::TempFail, 451, "4.3.0", "Temporary failure forwarding message"};
  }
  return std::nullopt;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string first_decoded(const mail::Message& m, std::string_view name) {
  const auto v = m.header_decoded(name);
  return v.empty() ? std::string() : std::string(v.front());
}

DeliveryNotice notice_of(const LocalUser& user, const DeliveryRequest& req,
                         const mail::Message& msg, const interp::ActionList& list,
                         const std::optional<interp::RejectAction>& protocol_reject,
                         const StagedBackend& backend) {
  DeliveryNotice n;
  n.user = user.name;
  n.envelope_from = req.from;
  n.rcpt = req.rcpt;
  n.message_id = first_decoded(msg, "message-id");
  n.from = first_decoded(msg, "from");
  n.subject = first_decoded(msg, "subject");
  n.copies = backend.delivered();
  n.created_mailboxes = backend.created_mailboxes();
  std::optional<interp::RejectAction> reject = protocol_reject;
  for (const auto& a : list.actions()) {
    if (const auto* r = std::get_if<interp::RejectAction>(&a)) reject = *r;
    if (std::holds_alternative<interp::DiscardAction>(a)) n.discarded = true;
  }
  n.rejected = reject.has_value();
  if (reject) n.reject_reason = reject->reason;
  n.outgoing = backend.outgoing();
  return n;
}

// Tells the observer of a committed delivery. When it cannot hear it, the
// stored copies are taken back (nobody was told about them) and the client
// is asked to retry: no acknowledged message goes unannounced.
std::optional<Outcome> announce(DeliveryObserver& observer, const DeliveryNotice& notice,
                                DeliveryLog& log) {
  const Status heard = observer.on_delivered(notice);
  if (heard) return std::nullopt;
  for (const auto& copy : notice.copies) ::unlink(copy.stored.path.c_str());
  log.detail = heard.error();
  log.event("outbox-error", {{"error", heard.error()}});
  return Outcome{Outcome::Kind::TempFail, 451, "4.3.0", "Temporary failure recording event"};
}

}  // namespace

struct DeliveryAgent::Executed {
  ExecutionStatus status;
  ExecutionState state;
};

DeliveryAgent::DeliveryAgent(AgentOptions options, store::UserSource& users,
                             store::ScriptCache& scripts, transport::MailSender& sender,
                             const interp::Registry& registry,
                             const interp::EngineSettings& settings, LogFn log)
    : options_(std::move(options)),
      users_(users),
      scripts_(scripts),
      sender_(sender),
      registry_(registry),
      settings_(settings),
      log_(std::move(log)),
      syncs_(options_.fsync_threads) {
  factory_ = [this](const LocalUser& u, transport::MailSender& s,
                    std::shared_ptr<store::DuplicateStore> dups) -> std::unique_ptr<StagedBackend> {
    const store::SieveHome& home = u.where;
    store::LockSettings locks = options_.maildir_locks;
    if (log_)
      locks.on_stale = [this](const std::filesystem::path& lock, std::chrono::seconds age) {
        log_("event=maildir-stale-lock " + base::log_field("lock", lock.string()) + " " +
             base::log_field("age", std::to_string(age.count())));
      };
    return std::make_unique<MaildirBackend>(home.maildir(), s, std::move(dups), options_.autocreate,
                                            options_.hierarchy_separator, std::move(locks),
                                            &syncs_);
  };
}

LocalUser local_user(store::UserPlace place) {
  LocalUser u;
  u.name = std::move(place.name);
  u.home = place.where.home;
  u.where = std::move(place.where);
  u.quota_storage = place.quota_storage;
  return u;
}

Result<std::optional<LocalUser>, store::LookupError> DeliveryAgent::lookup(std::string_view rcpt) {
  using R = Result<std::optional<LocalUser>, store::LookupError>;
  auto found = store::lookup_recipient(users_, options_.paths, rcpt, options_.recipient_delimiter);
  if (!found) {
    if (log_)
      log_("event=user-lookup-error " + base::log_field("rcpt", rcpt) + " " +
           base::log_field("temporary", found.error().temporary ? "yes" : "no") + " " +
           base::log_field("error", found.error().message));
    return R::failure(found.error());
  }
  if (!found.value()) return std::optional<LocalUser>();
  return std::optional<LocalUser>(local_user(std::move(*found.value())));
}

DeliveryAgent::Executed DeliveryAgent::execute(const LocalUser& user, const mail::Message& msg,
                                               const interp::Envelope& env,
                                               const interp::ActionList& list,
                                               const interp::Flags& keep_flags,
                                               StagedBackend& backend, UserRateLimiter& rate,
                                               DeliveryLog& log) const {
  DeliveryContext ctx{msg, env, settings_, options_.postmaster, "INBOX"};
  ctx.notify_transport = notify_transport_;
  ctx.notify_methods = notify_methods_;
  ctx.notify_rate = &rate;
  ctx.account = user.name;
  // vnd.dovecot.pipe runs here, when the result is carried out.
  ctx.run_program = [&](const interp::ProgramCall& call) {
    return run_ext_program(settings_, {user.name, user.home.string(), options_.hostname}, call,
                           [&](std::string_view line) {
                             log.tagged("event=script-log " + base::log_field("message", line));
                           });
  };
  Executed out;
  out.status = delivery::execute(list, keep_flags, out.state, true, ctx, backend);
  for (const auto& n : out.status.notifications) {
    const std::string method = methods::scheme_of(n.uri);
    log.event("notify", {{"method", method}, {"status", n.status}, {"detail", n.detail}});
    if (metrics_) {
      // The label takes known methods only: a script cannot grow the series.
      bool known = false;
      if (notify_methods_)
        for (const auto& s : notify_methods_->schemes()) known = known || s == method;
      metrics_->notifications.inc({known ? std::string_view(method) : "other", n.status});
    }
  }
  if (!rate.last_error().empty()) log.event("notify-rate-error", {{"error", rate.last_error()}});
  for (const auto& e : out.status.errors) {
    log.event("action-error", {{"error", e}});
    if (log.detail.empty()) log.detail = e;
  }
  for (const auto& why : out.status.skipped)
    if (log.detail.empty()) log.detail = why;
  return out;
}

Outcome DeliveryAgent::deliver(const LocalUser& user, const DeliveryRequest& req) {
  DeliveryLog log(log_, req.session, user.name);
  const auto started = std::chrono::steady_clock::now();
  log.size = std::to_string(req.message.size());
  auto finish = [&](Outcome o) {
    if (metrics_) {
      metrics_->deliveries.inc({outcome_name(o.kind)});
      metrics_->delivery_seconds.observe(seconds_since(started));
    }
    return log.finish(std::move(o), req.rcpt, req.from);
  };

  // The envelope is copied into header fields (Return-Path, Delivered-To)
  // and into every generated message: a line break or NUL in it would
  // write a field nobody wrote. LMTP refuses such paths at RCPT; this also
  // covers the LDA's command line.
  for (const std::string* a : {&req.from, &req.rcpt})
    if (a->find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      log.detail = "control character in an envelope address";
      return finish({Outcome::Kind::PermFail, 501, "5.1.3", "Bad address syntax"});
    }
  // The copy as stored: our trace fields on top.
  // Built in place and moved into the message: a 20 MiB message is held
  // once here, not three times (peak memory per delivery, bench/scaling.py).
  std::string copy;
  {
    constexpr std::string_view kReturnPath = "Return-Path: <", kDeliveredTo = ">\nDelivered-To: ";
    std::string top;
    top.reserve(kReturnPath.size() + req.from.size() + kDeliveredTo.size() + req.rcpt.size() + 1 +
                req.trace.size());
    top.append(kReturnPath).append(req.from).append(kDeliveredTo).append(req.rcpt);
    top.append("\n").append(req.trace);
    std::string* buffer = req.message_buffer;
    if (buffer && buffer->data() == req.message.data() && buffer->size() == req.message.size()) {
      // Moved in front within the buffer's spare capacity (the DATA buffer
      // grew geometrically), else one new buffer while the old one goes.
      copy = std::move(*buffer);
      copy.insert(0, top);
    } else {
      copy.reserve(top.size() + req.message.size());
      copy.append(top).append(req.message);
    }
  }
  const mail::Message msg(std::move(copy));
  log.message_id = first_decoded(msg, "message-id");
  if (msg.header_raw("received").size() >= options_.max_hops) {
    log.detail = "too many Received fields";
    return finish({Outcome::Kind::PermFail, 554, "5.4.6", "Too many hops, mail loop?"});
  }

  const store::SieveHome& home = user.where;
  const QuotaGate quota{user.quota_storage, observer_};
  if (auto refused = quota.check(home, user.name, msg.raw(), log.detail)) {
    if (metrics_ && refused->code == 452) metrics_->quota_refusals.inc();
    return finish(*refused);
  }

  const interp::Envelope env = envelope_of(req);
  UserState state = state_->open(user.name, home, options_.notify_max_per_user_hour);
  MaildirHostOptions host_options{options_.hostname,
                                  options_.hierarchy_separator,
                                  options_.sieve_global_dir,
                                  &settings_,
                                  user.name,
                                  state.duplicates};
  MaildirHost host(home, std::move(host_options), [&](std::string_view line) { log.tagged(line); });
  const ScriptSequence scripts(scripts_, registry_, settings_);
  // Resolved once: each resolution reads every link on the path.
  const std::optional<fs::path> active = home.active_script();
  const auto sequence = script_sequence(
      {options_.sieve_before, options_.sieve_after, options_.sieve_default}, active);
  // An existing Pigeonhole tree has foo.svbin beside foo.sieve: not ours
  // to read (zest compiles the source into foo.svbc); said once.
  for (const auto& script : sequence)
    if (auto svbin = scripts_.unseen_svbin(script))
      log.event("svbin-ignored", {{"script", script.string()}, {"svbin", svbin->string()}});
  auto script_error = [&](const fs::path& script, std::string_view kind, std::string_view error,
                          std::string_view fallback) {
    log.event(
        "script-error",
        {{"script", script.string()}, {"kind", kind}, {"error", error}, {"fallback", fallback}});
    if (metrics_) metrics_->script_errors.inc({kind});
  };
  // An active-script link whose script is gone: the user's filter silently
  // missing is what an administrator must hear of, on every delivery.
  if (std::error_code ec; !active && fs::is_symlink(home.active_link(), ec))
    script_error(home.active_link(), "missing", "the active script link points to no script",
                 options_.sieve_default.empty() ? "none" : "sieve_default");
  // [sieve] trace_dir / trace_level: one trace file per delivery (trace_file.hpp).
  std::string trace_error;
  const auto trace = FileTrace::open(settings_, user.home, req.session, trace_error);
  if (!trace_error.empty()) log.event("trace-error", {{"error", trace_error}});
  if (trace)
    trace->trace("## Delivery to <" + req.rcpt + "> (original <" + env.orig_to + ">) from <" +
                 req.from + ">, session " + req.session);
  const auto sieve_started = std::chrono::steady_clock::now();
  // The user's own script (Pigeonhole's "user script": the active one; the
  // administrator's sieve_default is not) may not use global_extensions.
  const fs::path personal = active.value_or(fs::path());
  SequenceRun run = scripts.run(
      sequence, msg, env, host,
      [&](const fs::path& script, std::string_view kind, std::string_view error) {
        script_error(script, kind, error, "implicit-keep");
      },
      trace.get(), personal.empty() ? nullptr : &personal);
  if (!sequence.empty()) {
    const double sieve_seconds = seconds_since(sieve_started);
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.3f", sieve_seconds * 1000.0);
    log.sieve_ms = ms;
    if (metrics_) metrics_->sieve_seconds.observe(sieve_seconds);
  }
  log.scripts = run.scripts;
  // A duplicate test the state store could not answer: the result rests on
  // a guess, so none of it is carried out.
  if (!host.state_failure().empty()) {
    log.detail = host.state_failure();
    log.event("state-error", {{"error", host.state_failure()}});
    return finish(kStateFailure);
  }
  interp::ActionList& list = run.result.actions;
  const interp::Flags keep_flags = interp::canonical_flags(run.result.internal_flags);

  const auto protocol_reject = take_protocol_reject(list, options_.reject, scripts.limits());
  log.actions = actions_summary(list);
  if (metrics_) {
    for (const auto& a : list.actions()) metrics_->actions.inc({interp::action_name(a)});
    if (list.implicit_keep()) metrics_->actions.inc({"implicit-keep"});
    if (protocol_reject) metrics_->actions.inc({protocol_reject->ereject ? "ereject" : "reject"});
  }
  if (protocol_reject)
    log.actions = (protocol_reject->ereject ? "ereject " : "reject ") + log.actions;

  (void)base::make_private_dirs(user.home);  // a failure shows when the Maildir is written
  auto backend = factory_(user, sender_, state.duplicates);
  backend->set_defer(observer_ && observer_->takes_outgoing());
  const Executed executed =
      execute(user, msg, env, list, keep_flags, *backend, *state.notify_rate, log);
  auto log_state_errors = [&](std::vector<std::string> errors) {
    for (const auto& e : errors) log.event("state-error", {{"error", e}});
  };
  // A notify rate count the state store could not give: that notification
  // was refused, and the retry gets it.
  if (const auto& why = state.notify_rate->failure(); !why.empty()) {
    backend->rollback();
    log.detail = why;
    log.event("state-error", {{"error", why}});
    log_state_errors(backend->take_state_errors());
    return finish(kStateFailure);
  }
  if (auto failed = commit(*backend, log)) {
    log_state_errors(backend->take_state_errors());
    return finish(*failed);
  }
  log_state_errors(backend->take_state_errors());
  for (const auto& copy : backend->delivered())
    log.folders += (log.folders.empty() ? "" : ",") + copy.mailbox;
  if (observer_) {
    const auto notice = notice_of(user, req, msg, list, protocol_reject, *backend);
    if (auto failed = announce(*observer_, notice, log)) return finish(*failed);
  }
  backend->settle();
  // The duplicate ids the result marked are recorded now (none when it
  // failed); the other claims go.
  host.settle_claims(executed.status.ok ? std::span(list.duplicate_marks())
                                        : std::span<const interp::DuplicateMark>());
  log_state_errors(backend->take_state_errors());
  log_state_errors(host.take_state_errors());

  if (protocol_reject)
    return finish({Outcome::Kind::Rejected, 550, "5.7.1", reject_text(protocol_reject->reason)});
  if (!executed.status.ok && !executed.state.implicit_keep_done &&
      !executed.status.errors.empty() && list.implicit_keep())
    return finish({Outcome::Kind::TempFail, 451, "4.3.0", "Temporary failure storing message"});
  Outcome out;
  out.text = req.rcpt.empty() ? "Saved" : "<" + req.rcpt + "> Saved";
  return finish(out);
}

}  // namespace zest::delivery
