#include "delivery/executor.hpp"

#include "delivery/backend_transport.hpp"
#include "delivery/outgoing.hpp"

#include <ctime>
#include <variant>

#include "base/text.hpp"
#include "mail/address.hpp"
#include "mail/header_codec.hpp"
#include "mail/message.hpp"

namespace zest::delivery {
namespace {

// The address this delivery acts for: sieve_user_email, else the recipient.
std::string user_address(const DeliveryContext& ctx) {
  const std::string user(base::trim(ctx.settings.value("user_email"), " \t"));
  return user.empty() ? mail::envelope_address(ctx.envelope.to) : user;
}

// The envelope sender of a redirect (sieve_redirect_envelope_from). A null
// sender stays null whatever the policy.
std::string redirect_sender(const DeliveryContext& ctx) {
  const std::string sender = mail::envelope_address(ctx.envelope.from);
  if (sender.empty()) return {};
  const std::string policy =
      base::to_lower(base::trim(ctx.settings.value("redirect_envelope_from", "sender"), " \t"));
  if (policy == "recipient") return mail::envelope_address(ctx.envelope.to);
  if (policy == "orig_recipient")
    return mail::envelope_address(ctx.envelope.orig_to.empty() ? ctx.envelope.to
                                                               : ctx.envelope.orig_to);
  if (policy == "user_email") return user_address(ctx);
  if (policy.size() >= 2 && policy.front() == '<' && policy.back() == '>')
    return mail::envelope_address(policy);
  return sender;
}

// A message that we (the user or this recipient) redirected before.
bool redirect_loop(const DeliveryContext& ctx) {
  const std::string user = user_address(ctx), rcpt = mail::envelope_address(ctx.envelope.to);
  for (auto v : ctx.message.header_raw("x-sieve-redirected-from")) {
    const std::string addr = mail::envelope_address(base::trim(v, " \t"));
    if (!addr.empty() && (base::iequals(addr, user) || base::iequals(addr, rcpt))) return true;
  }
  return false;
}

}  // namespace

std::string redirected_message(const DeliveryContext& ctx, const mail::Message* edited) {
  // Mark the copy so loops can be recognised, as other MTAs' Sieve does.
  std::string out = mail::structured_field("X-Sieve-Redirected-From", user_address(ctx));
  out.append(edited ? edited->raw() : ctx.message.raw());
  return out;
}

std::string rejection_message(const DeliveryContext& ctx, std::string_view reason) {
  const std::string boundary = "zest-reject-boundary";
  const std::string rcpt = mail::envelope_address(ctx.envelope.to);
  // Every field that carries a value from the message or the envelope goes
  // through the one header writer (mail/header_codec.hpp).
  std::string out;
  out += mail::structured_field("From", "Postmaster <" + ctx.postmaster + ">");
  out += mail::structured_field("To", "<" + mail::envelope_address(ctx.envelope.from) + ">");
  out += mail::header_field("Subject", "Rejected: " + ctx.message.first_header_raw("subject"));
  out += "Auto-Submitted: auto-replied (rejected)\r\n";
  out += "Precedence: bulk\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: multipart/report; report-type=disposition-notification;\r\n";
  out += "\tboundary=\"" + boundary + "\"\r\n\r\n";
  out += "This is a MIME-encapsulated message\r\n\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\nContent-Disposition: inline\r\n";
  out += "Content-Transfer-Encoding: 8bit\r\n\r\n";
  out += "Your message to <" + rcpt + "> was automatically rejected:\r\n";
  out.append(reason);
  out += "\r\n\r\n--" + boundary + "\r\n";
  out += "Content-Type: message/disposition-notification\r\n\r\n";
  out += "Reporting-UA: zest\r\n" + mail::structured_field("Final-Recipient", "rfc822; " + rcpt);
  const std::string id = ctx.message.first_header_raw("message-id");
  if (!id.empty()) out += mail::structured_field("Original-Message-ID", id);
  out += "Disposition: automatic-action/MDN-sent-automatically; deleted\r\n\r\n";
  out += "--" + boundary + "\r\nContent-Type: message/rfc822\r\n\r\n";
  out.append(ctx.message.raw());
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

ExecutionStatus execute(const interp::ActionList& actions, const interp::Flags& keep_flags,
                        ExecutionState& state, bool commit_implicit_keep,
                        const DeliveryContext& ctx, DeliveryBackend& backend) {
  ExecutionStatus st;
  bool fallback_keep = false;
  // `msg`: the message as the action saw it (editheader edits included).
  auto store = [&](const std::string& mailbox, const interp::Flags& flags, bool create,
                   const mail::Message& msg) {
    if (!backend.mailbox_exists(mailbox)) {
      if (!create) {
        st.errors.push_back("failed to store into mailbox '" + mailbox +
                            "': Mailbox doesn't exist: " + mailbox);
        return false;
      }
      if (auto created = backend.create_mailbox(mailbox); !created) {
        st.errors.push_back("failed to store into mailbox '" + mailbox + "': " + created.error());
        return false;
      }
    }
    if (auto stored = backend.store(mailbox, flags, msg.raw()); !stored) {
      st.errors.push_back("failed to store into mailbox '" + mailbox + "': " + stored.error());
      return false;
    }
    return true;
  };
  auto send = [&](const std::string& from, const std::string& rcpt, const std::string& msg,
                  std::string_view what) {
    if (auto sent = backend.send_mail(from, rcpt, msg); !sent) {
      st.errors.push_back("failed to send " + std::string(what) + " to <" + rcpt +
                          ">: " + sent.error());
      return false;
    }
    return true;
  };

  // RFC 8580: a copy of a sent message, filed without failing the action.
  auto fcc = [&](const interp::FccTarget& f, const std::string& sent) {
    std::string box = interp::canonical_mailbox(f.mailbox);
    if (f.mailboxid)
      if (auto named = backend.mailbox_by_id(*f.mailboxid)) box = *named;
    if (!backend.mailbox_exists(box) && (!f.create || !backend.create_mailbox(box))) {
      st.errors.push_back("fcc: mailbox '" + box + "' does not exist");
      return;
    }
    const interp::Flags flags = interp::canonical_flags(f.flags);
    if (auto stored = backend.store(box, flags, sent); !stored)
      st.errors.push_back("fcc: failed to store into mailbox '" + box + "': " + stored.error());
  };

  // Notifications: mail through the backend, xmpp/https through the
  // context's transport; the methods decide what is sent (methods/).
  BackendTransport transport(backend, ctx.notify_transport);
  // Made on the first notify action; the methods were set up by the host.
  const methods::MethodRegistry no_methods;
  std::optional<methods::Notifier> notifier;
  auto notify = [&](const interp::NotifyAction& n) {
    // The deprecated draft notify composed its mail already (interp/ext/notify.cpp).
    if (n.method == "draft-notify") {
      for (const auto& rcpt : n.options)
        if (auto sent = backend.send_mail("", rcpt, n.message.value_or("")); !sent)
          st.errors.push_back("failed to send notification to <" + rcpt + ">: " + sent.error());
      return;
    }
    if (!notifier)
      notifier.emplace(ctx.notify_methods ? *ctx.notify_methods : no_methods,
                       methods::policy_from_settings(ctx.settings.values, ctx.postmaster),
                       methods::limits_from_settings(ctx.settings.values), transport, state.notify,
                       ctx.notify_rate);
    methods::Trigger trigger =
        methods::make_trigger(ctx.message, mail::envelope_address(ctx.envelope.from),
                              mail::envelope_address(ctx.envelope.to), user_address(ctx));
    trigger.now = std::time(nullptr);
    trigger.nonce = methods::make_nonce();
    trigger.account = ctx.account;
    // Message-IDs of mailto notifications in the user's domain, as vacation's.
    if (const std::string user = user_address(ctx); user.find('@') != std::string::npos)
      trigger.hostname = user.substr(user.rfind('@') + 1);
    transport.sent.reset();
    transport.deferred = false;
    auto out = notifier->notify({n.uri, n.from, n.importance, n.options, n.message}, trigger);
    using S = methods::NotifyOutcome::Status;
    if (out.status == S::Failed) {
      st.errors.push_back("failed to send notification (" + n.uri + "): " + out.detail);
      st.notifications.push_back({n.uri, "failed", out.detail});
    } else {
      st.notifications.push_back(
          {n.uri,
           out.status != S::Sent ? "skipped"
           : transport.deferred  ? "queued"
                                 : "sent",
           transport.deferred && out.status == S::Sent
               ? methods::scheme_of(n.uri) + " notification recorded in the outbox"
               : out.detail});
    }
    if (out.status == S::Sent && n.fcc && transport.sent)
      fcc(*n.fcc, notification_copy(*transport.sent, n, user_address(ctx), trigger.now));
  };

  // vnd.dovecot.pipe: the program gets the message as the action saw it.
  // A failure fails the result (and so falls back to the implicit keep);
  // with :try it is only a warning.
  auto pipe = [&](const interp::PipeAction& p, const mail::Message& msg) {
    using S = interp::ProgramResult::Status;
    interp::ProgramCall call;
    call.kind = interp::ProgramKind::Pipe;
    call.name = p.program;
    call.args = p.args;
    call.input = std::string(msg.raw());
    call.envelope = &ctx.envelope;
    const interp::ProgramResult r =
        ctx.run_program
            ? ctx.run_program(call)
            : interp::ProgramResult{S::NotFound, {}, "external programs are not available here"};
    std::vector<std::string> said;
    if (r.status == S::Ok) return true;
    if (r.status == S::NotFound) {
      said.push_back("failed to pipe message to program: program '" + p.program + "' not found" +
                     (r.detail.empty() ? "" : " (" + r.detail + ")"));
    } else if (r.status == S::False) {
      said.push_back("failed to pipe message to program '" + p.program + "': " + r.detail);
    } else {
      said.push_back("program '" + p.program + "': " + r.detail);
      said.push_back("failed to pipe message to program '" + p.program + "'");
    }
    for (auto& s : said)
      (p.try_ ? st.skipped : st.errors).push_back(p.try_ ? "pipe :try: " + s : s);
    return p.try_;
  };

  const auto& list = actions.actions();
  for (; state.executed < list.size(); ++state.executed) {
    const interp::Action& a = list[state.executed];
    const mail::Message* edited = actions.message_of(state.executed);
    const mail::Message& msg = edited ? *edited : ctx.message;
    bool ok = true;
    if (const auto* k = std::get_if<interp::KeepAction>(&a)) {
      ok = store(ctx.default_mailbox, k->flags, false, msg);
      if (ok) state.implicit_keep_done = true;  // an explicit keep delivers to INBOX once
    } else if (const auto* f = std::get_if<interp::FileintoAction>(&a)) {
      std::string box = interp::canonical_mailbox(f->mailbox);
      // RFC 9042: the mailbox with that id wins when it exists.
      if (f->mailboxid)
        if (auto named = backend.mailbox_by_id(*f->mailboxid)) box = *named;
      ok = store(box, f->flags, f->create, msg);
      if (ok && box == ctx.default_mailbox) state.implicit_keep_done = true;
    } else if (const auto* r = std::get_if<interp::RedirectAction>(&a)) {
      // Loop/duplicate protection needs a Message-ID to recognise the message.
      const std::string msgid = ctx.message.first_header_raw("message-id");
      const std::string id = "redirect:" + msgid + ":" + r->address;
      if (!redirect_loop(ctx) && (msgid.empty() || backend.duplicate_claim(id))) {
        ok = send(redirect_sender(ctx), r->address, redirected_message(ctx, edited),
                  "redirected message");
        if (!msgid.empty()) {
          if (ok)
            backend.duplicate_mark(id, std::chrono::hours(12));
          else
            backend.duplicate_release(id);
        }
      }
    } else if (const auto* rj = std::get_if<interp::RejectAction>(&a)) {
      const std::string sender = mail::envelope_address(ctx.envelope.from);
      // Never answer the null sender.
      if (!sender.empty()) ok = send("", sender, rejection_message(ctx, rj->reason), "rejection");
    } else if (const auto* v = std::get_if<interp::VacationAction>(&a)) {
      // RFC 5230 §4: no reply to robots, lists or mail not sent to the
      // user, and one reply per sender and handle within the period.
      std::string why;
      if (auto reply = vacation_reply(ctx, *v, why)) {
        // Claimed before it is sent: of concurrent deliveries from one
        // sender, only one answers.
        if (v->seconds == 0 || backend.duplicate_claim(reply->tracking_id)) {
          // Recorded in the host's outbox and sent after the delivery,
          // or sent with it where there is no outbox.
          const methods::MailPayload mail{
              reply->mail.envelope_from, {reply->mail.rcpt}, reply->mail.message};
          ok = backend.defer(true, mail) || send(reply->mail.envelope_from, reply->mail.rcpt,
                                                 reply->mail.message, "vacation response");
          if (ok && v->seconds > 0)
            backend.duplicate_mark(reply->tracking_id, std::chrono::seconds(v->seconds));
          else if (v->seconds > 0)
            backend.duplicate_release(reply->tracking_id);
          if (ok && v->fcc) fcc(*v->fcc, reply->mail.message);
        } else {
          st.skipped.push_back("vacation: already answered this sender");
        }
      } else {
        st.skipped.push_back("vacation: " + why);
      }
    } else if (const auto* rep = std::get_if<interp::ReportAction>(&a)) {
      const OutgoingMail mail = report_message(ctx, *rep);
      ok = send(mail.envelope_from, mail.rcpt, mail.message, "report");
    } else if (const auto* p = std::get_if<interp::PipeAction>(&a)) {
      ok = pipe(*p, msg);
    } else if (const auto* n = std::get_if<interp::NotifyAction>(&a)) {
      notify(*n);  // a failed notification never fails the delivery (RFC 5435 §3.8)
    }
    if (!ok) {
      st.ok = false;
      fallback_keep = true;
    }
  }
  // RFC 7352: ids are remembered only once the result was carried out.
  if (st.ok)
    for (const auto& marks = actions.duplicate_marks(); state.marks_done < marks.size();
         ++state.marks_done)
      backend.duplicate_mark(marks[state.marks_done].id,
                             std::chrono::seconds(marks[state.marks_done].seconds));
  const bool want_keep = fallback_keep || (commit_implicit_keep && actions.implicit_keep());
  if (want_keep && !state.implicit_keep_done) {
    // A failed result keeps the message as delivered, without edits.
    const mail::Message* edited = fallback_keep ? nullptr : actions.edited_message(&ctx.message);
    if (store(ctx.default_mailbox, fallback_keep ? interp::Flags{} : keep_flags, false,
              edited ? *edited : ctx.message)) {
      state.implicit_keep_done = true;
    } else {
      st.ok = false;
    }
  }
  return st;
}

}  // namespace zest::delivery
