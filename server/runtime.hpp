// What zestd and the zest CLI build from a configuration: the logger and
// the delivery stack (users, compiled scripts, submission, agent).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "config/server_config.hpp"
#include "delivery/agent.hpp"
#include "delivery/state_backend.hpp"
#include "events/notify_sender.hpp"
#include "events/outbox.hpp"
#include "events/sender.hpp"
#include "interp/registry.hpp"
#include "server/delivery_events.hpp"
#include "server/logger.hpp"
#include "store/passwd.hpp"
#include "store/script_cache.hpp"
#include "store/user_paths.hpp"
#include "store/user_source.hpp"
#include "transport/notify_transport.hpp"

namespace zest::server {

struct DeliveryStack {
  explicit DeliveryStack(const config::ServerConfig& cfg, Logger& log);
  // Without touching the disk: zestd builds the stack before it binds and
  // drops privileges, then calls open_events().
  struct Deferred {};
  DeliveryStack(const config::ServerConfig& cfg, Logger& log, Deferred);
  void open_events(const config::ServerConfig& cfg, Logger& log);
  interp::Registry registry;
  interp::EngineSettings settings;  // [sieve] and the [notify] limits
  store::UserDb users;              // the passwd-file (`zest user add` writes it)
  // The one user lookup ([auth] driver) and where users' files are.
  std::string users_error;  // a configuration the lookup cannot work with
  std::unique_ptr<store::UserSource> user_source;
  store::PathTemplates paths;
  store::ScriptCache scripts;
  transport::NotifyConfig notify;                // [submission] and the notify transports
  transport::Submitter sender;                   // [submission]: SMTP or sendmail_path
  transport::NetworkTransport notify_transport;  // xmpp and https notifications
  methods::MethodRegistry notify_methods;        // built once, for every delivery
  // [state] backend = "redis"; null = the agent's files in the homes.
  std::unique_ptr<delivery::StateBackend> state;
  delivery::DeliveryAgent agent;
  // [state] backend = "redis": the outbox's stream numbers, shared by the
  // nodes (declared first: it outlives the outbox).
  std::unique_ptr<events::SequenceSource> sequences;
  // The outbox of events, notifications and vacation replies; opening
  // failures are in outbox_error (deliveries then fail temporarily).
  std::unique_ptr<events::Outbox> outbox;
  std::string outbox_error;
  // Delivery's outcomes as events, notifications and vacation replies,
  // into the outbox (or refused when it could not be opened).
  std::optional<DeliveryEvents> delivery_events;
  // Where zestd counts (docs/metrics.md); null for the CLI and probes.
  metrics::ZestMetrics* metrics = nullptr;
  void set_metrics(metrics::ZestMetrics* m) {
    metrics = m;
    agent.set_metrics(m);
  }
};

// [state]: the shared Redis state, or null for "local". Connects lazily.
std::unique_ptr<delivery::StateBackend> make_state_backend(const config::ServerConfig& cfg);
// [state]: the shared Redis sequence counters, or null for "local".
std::unique_ptr<events::SequenceSource> make_sequences(const config::ServerConfig& cfg);

// The outbox of a configuration.
Result<std::unique_ptr<events::Outbox>> open_outbox(const config::ServerConfig& cfg);

// zestd's senders: one thread per [[events.sink]], and the pool that sends
// notifications and vacation replies (`config` and `mail` outlive it).
class EventSenders {
 public:
  // Fails on a sink that cannot be set up (bad url or secret).
  Result<bool> start(const config::ServerConfig& cfg, events::Outbox& outbox,
                     const transport::NotifyConfig& notify, transport::MailSender& mail,
                     Logger& log);
  ~EventSenders() { stop(); }
  void stop();

 private:
  std::vector<std::unique_ptr<events::Sender>> senders_;
  std::unique_ptr<events::NotifySender> notify_;
  events::Outbox* outbox_ = nullptr;
};

// zestd startup, in the background once the listeners are up: removes
// files older than 36 hours from every user's Maildir tmp/ (interrupted
// deliveries; the Maildir convention), logging its start, what it removed
// and its end. Unreadable users or homes are only logged; `stop` ends it
// early (shutdown).
void sweep_stale_tmp(DeliveryStack& stack, const config::ServerConfig& cfg, Logger& log,
                     std::stop_token stop = {});

}  // namespace zest::server
