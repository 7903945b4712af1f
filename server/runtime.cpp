#include "server/runtime.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "base/atomic_file.hpp"
#include "base/logfmt.hpp"
#include "config/notify_setup.hpp"
#include "delivery/redis_state.hpp"
#include "events/notification.hpp"
#include "events/notify_carrier.hpp"
#include "events/sinks.hpp"
#include "store/maildir_clean.hpp"
#include "userdb/user_setup.hpp"

namespace zest::server {
namespace {

delivery::AgentOptions agent_options(const config::ServerConfig& c) {
  delivery::AgentOptions o;
  o.paths = userdb::path_templates(c);
  o.hostname = c.hostname;
  o.postmaster = c.postmaster_address;
  o.reject =
      c.lmtp_reject == "bounce" ? delivery::RejectMode::Bounce : delivery::RejectMode::Protocol;
  for (const auto& p : c.sieve_before) o.sieve_before.emplace_back(p);
  for (const auto& p : c.sieve_after) o.sieve_after.emplace_back(p);
  o.sieve_default = c.sieve_default;
  o.autocreate = c.autocreate;
  o.hierarchy_separator = c.hierarchy_separator == "." ? '.' : '/';
  o.sieve_global_dir = c.sieve_global_dir;
  o.recipient_delimiter = c.recipient_delimiter;
  o.notify_max_per_user_hour = static_cast<std::size_t>(c.notify_max_per_user_hour);
  o.maildir_locks = userdb::maildir_lock_settings(c);
  o.fsync_threads = static_cast<unsigned>(c.maildir_fsync_threads);
  return o;
}

// Stands in for an outbox that could not be opened.
class FailingRecorder final : public events::EventRecorder {
 public:
  Status record_all(std::span<const events::Event>, std::span<const events::Routed>) override {
    return Status::failure("the event outbox could not be opened");
  }
};

events::EventRecorder& failing_recorder() {
  static FailingRecorder r;  // stateless
  return r;
}

}  // namespace

DeliveryStack::DeliveryStack(const config::ServerConfig& cfg, Logger& log)
    : DeliveryStack(cfg, log, Deferred{}) {
  open_events(cfg, log);
}

DeliveryStack::DeliveryStack(const config::ServerConfig& cfg, Logger& log, Deferred)
    : settings(engine_settings(cfg)),
      users(cfg.passwd_file),
      user_source(userdb::make_user_source(cfg, users, users_error)),
      paths(userdb::path_templates(cfg)),
      scripts(registry, settings, static_cast<std::size_t>(cfg.script_cache_memory) << 20),
      notify(config::notify_config(cfg)),
      sender(notify.submission),
      notify_transport(notify),
      notify_methods(methods::standard_methods(notify.policy)),
      state(make_state_backend(cfg)),
      agent(agent_options(cfg), *user_source, scripts, sender, registry, settings, log.fn()) {
  agent.set_state(state.get());
  agent.set_notify_transport(&notify_transport);
  agent.set_notify_methods(&notify_methods);
}

void DeliveryStack::open_events(const config::ServerConfig& cfg, Logger& log) {
  auto opened = open_outbox(cfg);
  if (!opened) {
    outbox_error = opened.error();
    log.write("event=outbox-error " + base::log_field("error", outbox_error));
    // Deliveries must not be acknowledged without their events.
    delivery_events.emplace(failing_recorder(), cfg.hostname);
    agent.set_observer(&*delivery_events);
    return;
  }
  outbox = std::move(opened.value());
  if (!outbox) return;
  sequences = make_sequences(cfg);
  outbox->set_sequences(sequences.get());
  delivery_events.emplace(*outbox, cfg.hostname);
  agent.set_observer(&*delivery_events);
}

std::unique_ptr<delivery::StateBackend> make_state_backend(const config::ServerConfig& cfg) {
  if (cfg.state_backend != "redis") return nullptr;
  auto url = config::state_redis_endpoint(cfg);
  if (!url) return nullptr;  // refused when the configuration was read
  delivery::RedisStateOptions o;
  o.endpoint = std::move(url.value());
  o.key_prefix = cfg.state_key_prefix;
  o.timeout_seconds = static_cast<long>(cfg.state_timeout);
  return std::make_unique<delivery::RedisState>(std::move(o));
}

std::unique_ptr<events::SequenceSource> make_sequences(const config::ServerConfig& cfg) {
  if (cfg.state_backend != "redis") return nullptr;
  auto url = config::state_redis_endpoint(cfg);
  if (!url) return nullptr;  // refused when the configuration was read
  return std::make_unique<events::RedisSequences>(std::move(url.value()), cfg.state_key_prefix,
                                                  static_cast<long>(cfg.state_timeout));
}

Result<std::unique_ptr<events::Outbox>> open_outbox(const config::ServerConfig& cfg) {
  std::vector<events::SinkFilter> filters;
  for (const auto& s : cfg.event_sinks)
    filters.push_back({s.name, s.events, s.users, s.users_excluded});
  (void)base::make_private_dirs(std::filesystem::path(cfg.events_outbox).parent_path());
  auto box = events::Outbox::open(cfg.events_outbox, std::move(filters),
                                  std::chrono::seconds(cfg.events_dead_after));
  if (box)
    box.value()->set_dead_after(std::string(events::kNotifyPrefix),
                                std::chrono::seconds(cfg.notify_dead_after));
  return box;
}

Result<bool> EventSenders::start(const config::ServerConfig& cfg, events::Outbox& outbox,
                                 const transport::NotifyConfig& notify, transport::MailSender& mail,
                                 Logger& log) {
  events::SenderOptions so;
  so.backoff_initial = std::chrono::milliseconds(cfg.events_backoff_initial_ms);
  so.backoff_max = std::chrono::milliseconds(cfg.events_backoff_max_ms);
  so.poll_interval = std::chrono::milliseconds(cfg.events_poll_interval_ms);
  for (const auto& s : cfg.event_sinks) {
    events::SinkOptions o;
    o.name = s.name;
    o.type = s.type;
    o.url = s.url;
    o.secret = s.secret;
    o.ca_file = s.ca_file;
    o.tls_verify = s.tls_verify;
    o.fields_denied = s.fields_denied;
    o.source = cfg.events_source;
    o.timeout_seconds = static_cast<long>(s.timeout);
    o.max_parallel = static_cast<std::size_t>(s.max_parallel);
    o.stream = s.stream;
    auto t =
        s.type == "redis" ? events::make_redis_transport(o) : events::make_webhook_transport(o);
    if (!t) return Result<bool>::failure("[[events.sink]] " + s.name + ": " + t.error());
    if (s.type == "webhook" && s.url.starts_with("http:"))
      log.write("event=warning " + base::log_field("sink", s.name) + " " +
                base::log_field("warning", "plain http: events travel unencrypted"));
    senders_.push_back(
        std::make_unique<events::Sender>(outbox, s.name, std::move(t.value()), so, log.fn()));
  }
  events::NotifySenderOptions no;
  no.workers = static_cast<std::size_t>(cfg.notify_senders);
  no.backoff.backoff_initial = std::chrono::milliseconds(cfg.notify_backoff_initial_ms);
  no.backoff.backoff_max = std::chrono::milliseconds(cfg.notify_backoff_max_ms);
  no.backoff.poll_interval = std::chrono::milliseconds(cfg.events_poll_interval_ms);
  no.breaker_failures = static_cast<int>(cfg.notify_breaker_failures);
  no.breaker_cooldown = std::chrono::seconds(cfg.notify_breaker_cooldown);
  notify_ = std::make_unique<events::NotifySender>(outbox, std::string(events::kNotifyPrefix),
                                                   events::make_network_carrier(notify, mail), no,
                                                   log.fn());
  outbox_ = &outbox;
  outbox.on_record([this] {
    for (auto& s : senders_) s->wake();
    notify_->wake();
  });
  if (auto pruned = outbox.prune(std::chrono::seconds(cfg.events_keep_delivered)); !pruned)
    log.write("event=outbox-error " + base::log_field("error", pruned.error()));
  for (auto& s : senders_) s->start();
  notify_->start();
  return true;
}

void EventSenders::stop() {
  if (outbox_) outbox_->on_record(nullptr);
  for (auto& s : senders_) s->stop();
  senders_.clear();
  if (notify_) notify_->stop();
  notify_.reset();
}

void sweep_stale_tmp(DeliveryStack& stack, const config::ServerConfig& cfg, Logger& log,
                     std::stop_token stop) {
  (void)cfg;  // the places come from the stack's templates
  auto all = stack.user_source->all();
  if (!all) {
    log.write("event=tmp-cleanup-error " + base::log_field("error", all.error()));
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  log.write("event=tmp-cleanup-start users=" + std::to_string(all.value().size()));
  const auto now = std::chrono::system_clock::now();
  std::size_t users = 0, removed = 0, failed = 0;
  for (const store::UserRecord& e : all.value()) {
    if (stop.stop_requested()) break;
    ++users;
    auto place = store::resolve_user(e, stack.paths);
    if (!place) {
      log.write("event=tmp-cleanup-error " + base::log_field("error", place.error()));
      continue;
    }
    const auto r = store::clean_maildir_tmp(place->where.maildir(), now);
    removed += r.removed;
    failed += r.failed;
    if (r.removed == 0 && r.failed == 0) continue;
    log.write("event=tmp-cleanup " + base::log_field("user", e.name) +
              " removed=" + std::to_string(r.removed) + " failed=" + std::to_string(r.failed));
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  log.write("event=tmp-cleanup-done users=" + std::to_string(users) +
            " removed=" + std::to_string(removed) + " failed=" + std::to_string(failed) +
            " interrupted=" + (stop.stop_requested() ? "yes" : "no") +
            " duration_ms=" + std::to_string(ms));
}

}  // namespace zest::server
