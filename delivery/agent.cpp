#include "delivery/agent.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <sstream>
#include <variant>

#include "delivery/executor.hpp"
#include "delivery/notify_rate.hpp"
#include "mail/address.hpp"
#include "mail/message.hpp"
#include "interp/vm.hpp"
#include "store/script_store.hpp"
#include "store/quota.hpp"

namespace zest::delivery {
namespace fs = std::filesystem;
namespace {

fs::path duplicates_file(const fs::path& home) {
  return home / ".zest.duplicates";
}

// Answers the interpreter from the user's home: Maildir folders, duplicate
// ids, personal and global scripts for include, the log.
class MaildirHost final : public interp::Host {
 public:
  MaildirHost(const store::SieveHome& home, const AgentOptions& o,
              std::function<void(std::string)> log)
      : home_(home), maildir_(home.maildir()), o_(o), log_(std::move(log)) {}
  bool mailbox_exists(std::string_view mailbox) override {
    auto dir = store::maildir_folder(maildir_, mailbox, o_.hierarchy_separator);
    return dir && (*dir == maildir_ || store::maildir_exists(*dir));
  }
  std::optional<std::string> environment(std::string_view name) override {
    if (name == "name") return "zest";
    if (name == "version") return "0.1.0";
    if (name == "location") return "MDA";
    if (name == "phase") return "during";
    if (name == "domain" || name == "host") return o_.hostname;
    return std::nullopt;
  }
  bool duplicate_exists(std::string_view id) override {
    return store::DuplicateDb(duplicates_file(home_.home)).seen(id);
  }
  // RFC 6609: personal scripts are the user's ManageSieve scripts (the same
  // file names as store::FsScriptStore), global ones `<sieve_global_dir>/<name>.sieve`.
  std::optional<std::string> include_source(std::string_view name, bool global) override {
    if (global && o_.sieve_global_dir.empty()) return std::nullopt;
    const fs::path dir = global ? o_.sieve_global_dir : home_.script_dir();
    std::ifstream in(dir / (store::script_file_stem(name) + ".sieve"), std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  void log(interp::LogLevel level, std::string_view message) override {
    if (level == interp::LogLevel::Debug) return;
    log_("event=script-log " + log_field("message", message));
  }

 private:
  const store::SieveHome& home_;
  fs::path maildir_;
  const AgentOptions& o_;
  std::function<void(std::string)> log_;
};

// Re-adds an action to a list, so the RFC 5228 rules apply across scripts.
std::optional<std::string> add_action(interp::ActionList& list, const interp::Action& a) {
  return std::visit(
      [&](const auto& act) -> std::optional<std::string> {
        using T = std::decay_t<decltype(act)>;
        if constexpr (std::is_same_v<T, interp::KeepAction>) return list.keep(act.flags);
        if constexpr (std::is_same_v<T, interp::FileintoAction>) return list.fileinto(act);
        if constexpr (std::is_same_v<T, interp::RedirectAction>) return list.redirect(act);
        if constexpr (std::is_same_v<T, interp::DiscardAction>) return list.discard();
        if constexpr (std::is_same_v<T, interp::RejectAction>) return list.reject(act);
        if constexpr (std::is_same_v<T, interp::VacationAction>) return list.vacation(act);
        if constexpr (std::is_same_v<T, interp::NotifyAction>) return list.notify(act);
        if constexpr (std::is_same_v<T, interp::ReportAction>) return list.report(act);
      },
      a);
}

std::string actions_summary(const interp::ActionList& list) {
  std::string out;
  for (const auto& a : list.actions()) {
    if (!out.empty()) out += ' ';
    out += interp::action_name(a);
    if (const auto* f = std::get_if<interp::FileintoAction>(&a)) out += ":" + f->mailbox;
    if (const auto* r = std::get_if<interp::RedirectAction>(&a)) out += ":" + r->address;
  }
  if (list.implicit_keep()) out += out.empty() ? "implicit-keep" : " implicit-keep";
  return out;
}

// A reject reason as reply text: ASCII only (RFC 5429 §2.1.1), lines kept
// short enough for the 512-octet reply limit.
std::string reject_text(std::string_view reason) {
  std::string out;
  std::size_t col = 0;
  for (unsigned char c : reason) {
    if (c == '\r') continue;
    if (c == '\n') {
      out += '\n';
      col = 0;
      continue;
    }
    if (col >= 400) {
      out += '\n';
      col = 0;
    }
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    ++col;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out.empty() ? "Message rejected" : out;
}

std::string first_decoded(const mail::Message& m, std::string_view name) {
  const auto v = m.header_decoded(name);
  return v.empty() ? std::string() : std::string(v.front());
}

// The message-store events of one committed delivery (docs/events.md):
// MailboxCreate for each folder it created, MessageNew for each stored
// copy; or MessageRejected / MessageDiscarded when nothing was stored.
std::vector<events::Event> delivery_events(const LocalUser& user, const AgentOptions& o,
                                           const DeliveryRequest& req, const mail::Message& msg,
                                           const StagedBackend& backend, bool rejected,
                                           std::string_view reject_reason, bool discarded) {
  const events::Common c{user.name, o.hostname, "lmtp"};
  const std::string envelope = "MAIL FROM:<" + req.from + ">\r\nRCPT TO:<" + req.rcpt + ">";
  const std::string message_id = first_decoded(msg, "message-id");
  const std::string from = first_decoded(msg, "from");
  const std::string subject = first_decoded(msg, "subject");
  std::vector<events::Event> out;
  const auto copies = backend.delivered();
  for (const auto& created : backend.created_mailboxes())
    for (const auto& copy : copies)
      if (copy.mailbox == created) {
        out.push_back(events::mailbox_create(c, created, copy.stored.uidvalidity));
        break;
      }
  for (const auto& copy : copies) {
    events::MessageNewInfo m;
    m.mailbox = copy.mailbox;
    m.uidvalidity = copy.stored.uidvalidity;
    m.uid = copy.stored.uid;
    m.size = copy.size;
    m.envelope = envelope;
    m.flags = copy.flags;
    m.message_id = message_id;
    m.from = from;
    m.subject = subject;
    out.push_back(events::message_new(c, m));
  }
  if (copies.empty() && (rejected || discarded))
    out.push_back(
        events::message_refused(c, rejected, envelope, reject_reason, message_id, from, subject));
  return out;
}

}  // namespace

int exit_code(Outcome::Kind kind) {
  switch (kind) {
    case Outcome::Kind::Delivered:
      return 0;
    case Outcome::Kind::UnknownUser:
      return 67;  // EX_NOUSER
    case Outcome::Kind::TempFail:
      return 75;  // EX_TEMPFAIL
    case Outcome::Kind::Rejected:
      return 77;  // EX_NOPERM: the MTA bounces with our text
    case Outcome::Kind::PermFail:
      return 69;  // EX_UNAVAILABLE
  }
  return 75;
}

std::string log_field(std::string_view key, std::string_view value) {
  bool quote = value.empty();
  for (char c : value)
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
      quote = true;
  std::string out(key);
  out += '=';
  if (!quote) return out + std::string(value);
  out += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + '"';
}

DeliveryAgent::DeliveryAgent(AgentOptions options, store::UserDb& users,
                             store::ScriptCache& scripts, transport::MailSender& sender,
                             const interp::Registry& registry,
                             const interp::EngineSettings& settings, LogFn log)
    : options_(std::move(options)),
      users_(users),
      scripts_(scripts),
      sender_(sender),
      registry_(registry),
      settings_(settings),
      log_(std::move(log)) {
  factory_ = [this](const LocalUser& u, transport::MailSender& s) -> std::unique_ptr<StagedBackend> {
    return std::make_unique<MaildirBackend>(store::SieveHome{u.home}.maildir(), s,
                                            store::DuplicateDb(duplicates_file(u.home)),
                                            options_.autocreate, options_.hierarchy_separator);
  };
}

Result<std::optional<LocalUser>> DeliveryAgent::lookup(std::string_view rcpt) {
  using R = Result<std::optional<LocalUser>>;
  auto found = users_.find_recipient(rcpt, options_.recipient_delimiter);
  if (!found) return R::failure(found.error());
  if (!found.value()) return std::optional<LocalUser>();
  const auto& e = *found.value();
  LocalUser u{e.name, e.home.empty() ? options_.data_dir / "home" / e.name : fs::path(e.home)};
  return std::optional<LocalUser>(std::move(u));
}

Outcome DeliveryAgent::deliver(const LocalUser& user, const DeliveryRequest& req) {
  const auto started = std::chrono::steady_clock::now();
  Outcome out;
  std::string scripts_used, actions_text, detail;
  auto finish = [&](Outcome o) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    char dur[32];
    std::snprintf(dur, sizeof dur, "%.3f", static_cast<double>(us) / 1000.0);
    std::string line = "event=delivery " + log_field("session", req.session) + " " +
                       log_field("user", user.name) + " " + log_field("rcpt", req.rcpt) + " " +
                       log_field("from", req.from) + " " +
                       log_field("script", scripts_used.empty() ? "-" : scripts_used) + " " +
                       log_field("actions", actions_text) + " " + log_field("duration_ms", dur) +
                       " " + log_field("result", std::to_string(o.code) + " " + o.enhanced);
    if (!detail.empty()) line += " " + log_field("detail", detail);
    log_(line);
    return o;
  };

  const std::string copy = "Return-Path: <" + req.from + ">\nDelivered-To: " + req.rcpt + "\n" +
                           req.trace + std::string(req.message);
  const mail::Message msg(copy);
  if (msg.header_raw("received").size() >= options_.max_hops) {
    detail = "too many Received fields";
    return finish({Outcome::Kind::PermFail, 554, "5.4.6", "Too many hops, mail loop?"});
  }

  if (options_.quota_storage > 0) {
    const std::uint64_t used = store::maildir_usage(store::SieveHome{user.home}.maildir());
    const auto size =
        copy.size() + static_cast<std::size_t>(std::count(copy.begin(), copy.end(), '\n'));
    const fs::path marker = user.home / ".zest.quota-exceeded";
    std::error_code ec;
    const events::Common c{user.name, options_.hostname, "lmtp"};
    if (used + size > options_.quota_storage) {
      detail = "over quota: " + std::to_string(used) + " + " + std::to_string(size) + " > " +
               std::to_string(options_.quota_storage);
      if (events_) {
        const events::Event one[] = {events::quota_event(c, true, options_.quota_storage, used)};
        if (auto s = events_->record(one); !s) detail += "; " + s.error();
      }
      fs::create_directories(user.home, ec);
      if (FILE* f = std::fopen(marker.c_str(), "w")) std::fclose(f);
      return finish({Outcome::Kind::TempFail, 452, "4.2.2", "Mailbox full"});
    }
    if (fs::exists(marker, ec)) {
      if (events_) {
        const events::Event one[] = {events::quota_event(c, false, options_.quota_storage, used)};
        if (auto s = events_->record(one); !s)
          return finish(
              {Outcome::Kind::TempFail, 451, "4.3.0", "Temporary failure recording event"});
      }
      fs::remove(marker, ec);
    }
  }

  interp::Envelope env;
  env.from = req.from;
  env.to = req.rcpt;
  env.orig_to = req.orig_rcpt.empty() ? req.rcpt : req.orig_rcpt;
  const store::SieveHome home{user.home};
  MaildirHost host(home, options_, [&](std::string line) {
    log_(line + " " + log_field("session", req.session) + " " + log_field("user", user.name));
  });

  // The sequence: before scripts, the user's (or the default), after scripts.
  std::vector<fs::path> sequence;
  for (const auto& p : options_.sieve_before)
    for (auto& s : store::expand_script_paths(p)) sequence.push_back(s);
  if (auto active = home.active_script())
    sequence.push_back(*active);
  else if (!options_.sieve_default.empty() && fs::exists(options_.sieve_default))
    sequence.push_back(options_.sieve_default);
  for (const auto& p : options_.sieve_after)
    for (auto& s : store::expand_script_paths(p)) sequence.push_back(s);

  // Every script of the sequence adds to one result, so the RFC 5228 rules,
  // editheader edits, duplicate ids and imap4flags apply across scripts.
  const interp::ActionLimits limits{settings_.max_actions, settings_.max_redirects};
  interp::ResultState result(limits);
  bool failed = false;
  for (const auto& script : sequence) {
    if (!scripts_used.empty()) scripts_used += ",";
    scripts_used += script.string();
    auto loaded = scripts_.get(script);
    auto fail = [&](std::string_view what) {
      failed = true;
      log_("event=script-error " + log_field("session", req.session) + " " +
           log_field("user", user.name) + " " + log_field("script", script.string()) + " " +
           log_field("error", what) + " fallback=implicit-keep");
    };
    if (!loaded.program) {
      fail(loaded.error);
      break;
    }
    interp::Runtime rt(*loaded.program, msg, env, host, settings_, registry_, result);
    interp::Vm vm(rt);
    const auto run = interp::finish_run(rt, vm.run());
    if (run.status != interp::RunOutput::Status::Ok) {
      std::string errs;
      for (const auto& e : run.errors) errs += (errs.empty() ? "" : "; ") + e;
      fail(errs.empty() ? "run-time error" : errs);
      break;
    }
    // As in Pigeonhole: a script that cancels the implicit keep ends the sequence.
    if (!result.actions.implicit_keep()) break;
  }
  // RFC 5228 §2.10.6: a failed run files the message into INBOX, nothing else.
  if (failed) result = interp::ResultState(limits);
  interp::ActionList& list = result.actions;
  const interp::Flags keep_flags = interp::canonical_flags(result.internal_flags);

  // Reject: over LMTP when configured (ereject always: RFC 5429 §2.1).
  std::optional<interp::RejectAction> protocol_reject;
  for (const auto& a : list.actions())
    if (const auto* r = std::get_if<interp::RejectAction>(&a))
      if (r->ereject || options_.reject == RejectMode::Protocol) protocol_reject = *r;
  if (protocol_reject) {
    interp::ActionList kept(limits);
    const bool ik = list.implicit_keep();
    for (const auto& a : list.actions())
      if (!std::holds_alternative<interp::RejectAction>(a)) add_action(kept, a);
    if (!ik) kept.discard();
    list = std::move(kept);
  }
  actions_text = actions_summary(list);
  if (protocol_reject)
    actions_text = (protocol_reject->ereject ? "ereject " : "reject ") + actions_text;

  std::error_code ec;
  fs::create_directories(user.home, ec);
  auto backend = factory_(user, sender_);
  DeliveryContext ctx{msg, env, settings_, options_.postmaster, "INBOX"};
  FileRateLimiter rate(user.home / ".zest.notify-rate", options_.notify_max_per_user_hour);
  ctx.notify_transport = notify_transport_;
  ctx.notify_rate = &rate;
  ctx.account = user.name;
  ExecutionState state;
  auto status = execute(list, keep_flags, state, true, ctx, *backend);
  for (const auto& n : status.notifications)
    log_("event=notify " + log_field("session", req.session) + " " + log_field("user", user.name) +
         " " + log_field("method", methods::scheme_of(n.uri)) + " " +
         log_field("status", n.status) + " " + log_field("detail", n.detail));
  if (!rate.last_error().empty())
    log_("event=notify-rate-error " + log_field("session", req.session) + " " +
         log_field("user", user.name) + " " + log_field("error", rate.last_error()));
  for (const auto& e : status.errors) {
    log_("event=action-error " + log_field("session", req.session) + " " +
         log_field("user", user.name) + " " + log_field("error", e));
    if (detail.empty()) detail = e;
  }
  for (const auto& why : status.skipped)
    if (detail.empty()) detail = why;
  if (backend->storage_failed()) {
    backend->rollback();
    return finish({Outcome::Kind::TempFail, 452, "4.3.1", "Mail system full or I/O error"});
  }
  auto committed = backend->commit();
  for (const auto& w : committed.warnings)
    log_("event=send-warning " + log_field("session", req.session) + " " +
         log_field("user", user.name) + " " + log_field("error", w));
  if (committed.failure == StagedBackend::Failure::Storage) {
    detail = committed.error;
    return finish({Outcome::Kind::TempFail, 452, "4.3.1", "Mail system full or I/O error"});
  }
  if (committed.failure == StagedBackend::Failure::Submission) {
    detail = committed.error;
    return finish({Outcome::Kind::TempFail, 451, "4.3.0", "Temporary failure forwarding message"});
  }
  if (events_) {
    std::optional<interp::RejectAction> any_reject = protocol_reject;
    bool discarded = false;
    for (const auto& a : list.actions()) {
      if (const auto* r = std::get_if<interp::RejectAction>(&a)) any_reject = *r;
      if (std::holds_alternative<interp::DiscardAction>(a)) discarded = true;
    }
    const auto evs =
        delivery_events(user, options_, req, msg, *backend, any_reject.has_value(),
                        any_reject ? std::string_view(any_reject->reason) : "", discarded);
    if (auto s = events_->record(evs); !s) {
      // No acknowledged message without its event: take the copies back
      // (nobody was told about them) and let the client retry.
      for (const auto& copy : backend->delivered()) ::unlink(copy.stored.path.c_str());
      detail = s.error();
      log_("event=outbox-error " + log_field("session", req.session) + " " +
           log_field("user", user.name) + " " + log_field("error", s.error()));
      return finish({Outcome::Kind::TempFail, 451, "4.3.0", "Temporary failure recording event"});
    }
  }
  if (protocol_reject)
    return finish({Outcome::Kind::Rejected, 550, "5.7.1", reject_text(protocol_reject->reason)});
  if (!status.ok && !state.implicit_keep_done && status.errors.size() > 0 && list.implicit_keep()) {
    return finish({Outcome::Kind::TempFail, 451, "4.3.0", "Temporary failure storing message"});
  }
  out.text = req.rcpt.empty() ? "Saved" : "<" + req.rcpt + "> Saved";
  return finish(out);
}

}  // namespace zest::delivery
