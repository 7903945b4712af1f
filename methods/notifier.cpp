#include "methods/notifier.hpp"

#include <random>

#include "base/text.hpp"
#include "mail/message.hpp"

namespace zest::methods {

bool admit_in_hour(std::deque<std::int64_t>& sent, std::size_t per_hour, std::int64_t now) {
  while (!sent.empty() && sent.front() <= now - 3600) sent.pop_front();
  if (per_hour > 0 && sent.size() >= per_hour) return false;
  sent.push_back(now);
  return true;
}

bool MemoryRateLimiter::allow(std::string_view user, std::int64_t now) {
  if (per_hour_ == 0) return true;
  std::lock_guard lock(mu_);
  auto it = sent_.find(user);
  if (it == sent_.end()) it = sent_.emplace(std::string(user), std::deque<std::int64_t>{}).first;
  return admit_in_hour(it->second, per_hour_, now);
}

NotifyOutcome Notifier::notify(const NotifyRequest& req, const Trigger& trigger) {
  using S = NotifyOutcome::Status;
  // Never notify about automatic mail, our own notifications included
  // (RFC 5436 §2.7, RFC 5435 §8); applied to every method.
  if (trigger.auto_submitted || trigger.notification)
    return {S::Skipped, "triggering message is auto-submitted; no notification"};
  const Method* m = methods_.find(req.uri);
  if (!m) return {S::Failed, "unsupported notification method '" + scheme_of(req.uri) + "'"};
  if (limits_.max_per_run > 0 && state_.sent >= limits_.max_per_run)
    return {S::Skipped,
            "notification limit per run reached (" + std::to_string(limits_.max_per_run) + ")"};
  auto payload = m->prepare(req, trigger, policy_, state_.notified);
  if (!payload) return {S::Failed, payload.error()};
  if (const auto* mail = std::get_if<MailPayload>(&*payload); mail && mail->rcpts.empty())
    return {S::Skipped, "every recipient was already notified"};
  const std::string user = !trigger.account.empty() ? trigger.account
                           : !trigger.user.empty()  ? trigger.user
                                                    : trigger.envelope_to;
  if (rate_ && !rate_->allow(user, trigger.now))
    return {S::Skipped, "notification rate limit for " + user + " reached"};
  if (auto s = m->send(*payload, transport_); !s) return {S::Failed, s.error()};
  ++state_.sent;
  if (const auto* mail = std::get_if<MailPayload>(&*payload))
    state_.notified.insert(state_.notified.end(), mail->rcpts.begin(), mail->rcpts.end());
  return {S::Sent, std::string(m->scheme()) + " notification sent"};
}

Trigger make_trigger(const mail::Message& m, std::string_view envelope_from,
                     std::string_view envelope_to, std::string_view user_email) {
  Trigger t;
  t.envelope_from = std::string(envelope_from);
  t.envelope_to = std::string(envelope_to);
  t.user_email = std::string(user_email);
  auto first = [&](std::string_view name, bool decoded) {
    const auto v = decoded ? m.header_decoded(name) : m.header_raw(name);
    return v.empty() ? std::string() : std::string(v.front());
  };
  t.from = first("from", true);
  t.subject = first("subject", true);
  t.date = first("date", false);
  t.message_id = first("message-id", false);
  for (auto v : m.header_raw("auto-submitted")) {
    const std::string token = base::to_lower(base::trim(v.substr(0, v.find(';')), " \t"));
    if (token != "no") t.auto_submitted = true;
    if (token == "auto-notified") t.notification = true;
  }
  return t;
}

namespace {
std::string value(const std::map<std::string, std::string, std::less<>>& v, std::string_view k) {
  auto it = v.find(k);
  return it == v.end() ? std::string() : it->second;
}
}  // namespace

Policy policy_from_settings(const std::map<std::string, std::string, std::less<>>& values,
                            std::string_view postmaster) {
  Policy p;
  if (!postmaster.empty()) p.postmaster = std::string(postmaster);
  p.mailto_envelope_from = value(values, "notify_mailto_envelope_from");
  p.allow_http = base::is_yes(value(values, "notify_http_allow_http"));
  p.xmpp_jid = value(values, "notify_xmpp_jid");
  if (value(values, "notify_xmpp_type") == "headline") p.xmpp_type = "headline";
  return p;
}

Limits limits_from_settings(const std::map<std::string, std::string, std::less<>>& values) {
  Limits l;
  if (auto v = value(values, "notify_max_per_run"); !v.empty())
    l.max_per_run = std::strtoull(v.c_str(), nullptr, 10);
  if (auto v = value(values, "notify_max_per_user_hour"); !v.empty())
    l.max_per_user_hour = std::strtoull(v.c_str(), nullptr, 10);
  return l;
}

std::string make_nonce() {
  std::random_device rd;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
  return buf;
}

}  // namespace zest::methods
