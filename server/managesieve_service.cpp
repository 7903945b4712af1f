#include "server/managesieve_service.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "base/atomic_file.hpp"
#include "base/file.hpp"
#include "base/ip_address.hpp"
#include "base/logfmt.hpp"
#include "base/text.hpp"
#include "events/event.hpp"
#include "manage-sieve/script_check.hpp"
#include "manage-sieve/session.hpp"
#include "methods/method.hpp"
#include "server/shared_sessions.hpp"
#include "server/user_scripts.hpp"
#include "store/scram.hpp"
#include "transport/redis_client.hpp"

namespace zest::server {
namespace {

namespace ms = managesieve;

std::string address_of(std::string_view remote) {
  if (remote == "unix") return "unix";
  const auto colon = remote.rfind(':');
  return std::string(colon == std::string_view::npos ? remote : remote.substr(0, colon));
}

bool is_loopback(std::string_view addr) {
  return addr == "unix" || addr.starts_with("127.") || addr == "::1" ||
         addr.starts_with("::ffff:127.");
}

class Backend final : public ms::Backend {
 public:
  Backend(DeliveryStack& stack, const config::ServerConfig& cfg) : stack_(stack), cfg_(cfg) {}
  std::unique_ptr<store::ScriptStore> open_store(std::string_view user) override {
    auto found = store::lookup_user(*stack_.user_source, stack_.paths, user);
    if (!found || !found->has_value()) return nullptr;
    return open_script_store(cfg_, **found);
  }
  ms::CheckResult check(std::string_view name, std::string_view source) override {
    // A user's own script: [sieve] global_extensions are refused.
    return ms::compile_script(name, source, stack_.registry, stack_.settings.for_personal_script());
  }
  void script_refused(std::string_view user, std::string_view name,
                      std::string_view reason) override {
    if (!stack_.outbox) return;
    const events::Event one[] = {
        events::script_refused({std::string(user), cfg_.hostname, "sieve"}, name, reason)};
    (void)stack_.outbox->record(one);  // a lost audit event must not fail the command
  }

 private:
  DeliveryStack& stack_;
  const config::ServerConfig& cfg_;
};

// Sessions per remote address (group); a Slot gives its place back when the
// connection ends. This node always counts its own; with `shared` ([state]
// backend = "redis") the place is also a lease among all nodes' sessions,
// and the node's own count decides only when Redis does not answer.
class AddressLimits {
 public:
  class Slot {
   public:
    Slot(AddressLimits& l, std::string a) : limits_(l), address_(std::move(a)) {}
    ~Slot() {
      if (shared_) shared_->drop_lease(address_, session_);
      limits_.release(address_);
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    void leased(SharedSessions* shared, std::string session) {
      shared_ = shared;
      session_ = std::move(session);
    }

   private:
    AddressLimits& limits_;
    std::string address_;
    SharedSessions* shared_ = nullptr;  // set: holds a lease of `session_`
    std::string session_;
  };
  // nullptr when `address` already has `max` sessions (0 = no limit).
  std::unique_ptr<Slot> acquire(const std::string& address, std::size_t max, SharedSessions* shared,
                                const std::string& session) {
    auto slot = acquire_local(address, max);
    if (!slot || !shared || !max) return slot;
    auto r = shared->take_lease(address, session, max);
    if (!r) return slot;  // Redis out of reach: this node's count decided (logged)
    if (!*r) return nullptr;
    slot->leased(shared, session);
    return slot;
  }

 private:
  std::unique_ptr<Slot> acquire_local(const std::string& address, std::size_t max) {
    std::lock_guard lock(mu_);
    auto& n = counts_[address];
    if (max && n >= max) {
      if (n == 0) counts_.erase(address);
      return nullptr;
    }
    ++n;
    return std::make_unique<Slot>(*this, address);
  }
  void release(const std::string& address) {
    std::lock_guard lock(mu_);
    auto it = counts_.find(address);
    if (it != counts_.end() && --it->second == 0) counts_.erase(it);
  }
  std::mutex mu_;
  std::map<std::string, std::size_t> counts_;
};

// Login and Logout message-store events (RFC 5423 §4.3, docs/events.md).
struct SessionEvents {
  events::EventRecorder* recorder = nullptr;  // null: no sink configured
  std::string hostname;
  events::SessionInfo info;
};

events::SessionInfo session_info(std::string_view remote, const std::string& hostname) {
  events::SessionInfo i;
  i.server_domain = hostname;
  const auto colon = remote.rfind(':');
  if (remote == "unix" || colon == std::string_view::npos) {
    i.client_ip = std::string(remote);
    return i;
  }
  i.client_ip = std::string(remote.substr(0, colon));
  i.client_port = std::atoi(std::string(remote.substr(colon + 1)).c_str());
  return i;
}

// The administrator's lines of a session (docs/logging.md): logins with
// their outcome, and the commands that change scripts.
void audit_line(Logger& log, metrics::ZestMetrics* metrics, const std::string& session,
                const std::string& remote, const ms::AuditRecord& r) {
  using base::log_field;
  if (r.command == "AUTHENTICATE") {
    if (metrics) metrics->logins.inc({r.mechanism, r.ok ? "success" : "failure"});
    // `ip` last: the fail2ban filter anchors on it at the end of the line,
    // where no client-supplied value can be.
    std::string line = std::string(r.ok ? "event=login" : "event=login-failed") +
                       " protocol=managesieve " + log_field("session", session) + " " +
                       log_field("user", r.user) + " " + log_field("mechanism", r.mechanism) + " " +
                       log_field("remote", remote);
    if (!r.ok) line += " " + log_field("reason", r.reason);
    log.write(line + " " + log_field("ip", address_of(remote)));
    return;
  }
  if (metrics) metrics->script_commands.inc({r.command, r.ok ? "ok" : "refused"});
  const char* event = r.command == "PUTSCRIPT"      ? "event=putscript "
                      : r.command == "SETACTIVE"    ? "event=setactive "
                      : r.command == "DELETESCRIPT" ? "event=deletescript "
                                                    : "event=renamescript ";
  std::string line = event + log_field("session", session) + " " + log_field("user", r.user) + " " +
                     log_field("remote", remote) + " " + log_field("script", r.script);
  if (r.command == "RENAMESCRIPT") line += " " + log_field("new_name", r.new_name);
  line += std::string(" result=") + (r.ok ? "ok" : "refused");
  if (!r.ok) line += " " + log_field("reason", r.reason);
  log.write(line);
}

class Handler final : public net::LineHandler {
 public:
  Handler(ms::Backend& backend, ms::SaslServer& sasl, ms::LoginGuard& guard, ms::Options opts,
          std::string address, std::unique_ptr<AddressLimits::Slot> slot, bool refuse, Logger& log,
          std::string id, SessionEvents events, metrics::ZestMetrics* metrics)
      : session_(backend, sasl, guard, std::move(opts), address),
        slot_(std::move(slot)),
        refuse_(refuse),
        log_(log),
        id_(std::move(id)),
        events_(std::move(events)),
        metrics_(metrics) {
    if (metrics_) {
      metrics_->sessions.inc({"managesieve"});
      metrics_->sessions_active.add({"managesieve"}, 1);
    }
  }
  ~Handler() override {
    if (!login_user_.empty()) record(false, closing_reason_);
    log_.write("event=disconnect protocol=managesieve " + base::log_field("session", id_));
    if (metrics_) metrics_->sessions_active.add({"managesieve"}, -1);
  }

  net::Output greeting() override {
    if (refuse_) return {"BYE \"Too many connections, try again later\"\r\n", true};
    return session_.greeting();
  }
  net::Output on_line(std::string_view line, bool crlf) override {
    const bool was = session_.authenticated();
    auto o = session_.on_line(line, crlf);
    if (was && !session_.authenticated()) {
      log_.write("event=logout " + base::log_field("session", id_) + " " +
                 base::log_field("user", login_user_));
      if (!login_user_.empty()) record(false, "graceful");
    }
    if (o.close && !login_user_.empty()) {
      closing_reason_ = "graceful";
      if (base::istarts_with(line, "LOGOUT"))
        log_.write("event=logout " + base::log_field("session", id_) + " " +
                   base::log_field("user", login_user_));
    }
    return o;
  }
  net::Output on_literal(std::string_view bytes) override { return session_.on_literal(bytes); }
  net::Output on_overlong_line() override { return session_.on_overlong_line(); }
  net::Output on_timeout() override {
    closing_reason_ = "timeout";
    return session_.on_timeout();
  }
  net::Output work() override {
    const bool was = session_.authenticated();
    auto o = session_.work();
    if (!was && session_.authenticated()) {
      login_user_ = session_.user();
      record(true, "");
    }
    return o;
  }
  void on_tls_started() override {}
  net::Output tls_greeting() override { return session_.tls_started(); }
  std::chrono::seconds timeout() const override { return session_.timeout(); }

 private:
  void record(bool login, std::string_view reason) {
    if (!events_.recorder) return;
    const events::Common c{login_user_, events_.hostname, "sieve"};
    const events::Event one[] = {login ? events::login(c, events_.info)
                                       : events::logout(c, events_.info, reason)};
    if (!login) login_user_.clear();
    if (auto s = events_.recorder->record(one); !s)
      log_.write("event=outbox-error " + base::log_field("session", id_) + " " +
                 base::log_field("error", s.error()));
  }

  ms::Session session_;
  std::unique_ptr<AddressLimits::Slot> slot_;
  bool refuse_;
  Logger& log_;
  std::string id_;
  SessionEvents events_;
  metrics::ZestMetrics* metrics_;
  std::string login_user_;  // set between Login and Logout events
  std::string closing_reason_ = "abort";
};

}  // namespace

// A session's lease among all nodes' sessions per address: renewed every
// 30 s while it lives, so the sessions of a node that died stop counting
// within 90 s (docs/scale-out.md).
constexpr int kLeaseSeconds = 90;

struct ManageSieveService::Impl {
  const config::ServerConfig& cfg;
  DeliveryStack& stack;
  Logger& log;
  std::unique_ptr<ms::SaslServer> sasl;
  std::unique_ptr<SharedSessions> shared;  // [state] backend = "redis"; before its users
  ms::LoginGuard guard;
  Backend backend;
  AddressLimits limits;
  ms::Options options;
  std::unique_ptr<net::LineServer> server;
  std::thread thread;
  std::atomic<std::uint64_t> sessions{0};

  static ms::LoginGuard::Options guard_options(const config::ServerConfig& c) {
    ms::LoginGuard::Options o;
    o.base_delay = std::chrono::milliseconds(c.managesieve_auth_failure_delay_ms);
    o.max_delay = o.base_delay * 16;
    o.ipv6_prefix =
        static_cast<unsigned>(std::clamp<std::int64_t>(c.managesieve_ipv6_prefix_length, 0, 128));
    return o;
  }

  // The node's name in lease members: the hostname and the process (a
  // session id adds its number).
  static std::unique_ptr<SharedSessions> shared_sessions(const config::ServerConfig& c, Logger& l) {
    if (c.state_backend != "redis") return nullptr;
    auto url = config::state_redis_endpoint(c);
    if (!url) return nullptr;  // refused when the configuration was read
    delivery::RedisStateOptions o;
    o.endpoint = std::move(url.value());
    o.key_prefix = c.state_key_prefix;
    o.timeout_seconds = static_cast<long>(c.state_timeout);
    SharedSessions::Options so;
    so.lease = std::chrono::seconds(kLeaseSeconds);
    return std::make_unique<SharedSessions>(std::move(o), c.hostname, l.fn(), so);
  }

  Impl(const config::ServerConfig& c, DeliveryStack& s, Logger& l)
      : cfg(c),
        stack(s),
        log(l),
        shared(shared_sessions(c, l)),
        guard(guard_options(c), shared.get()),
        backend(s, c) {
    options.implementation = "zest " ZEST_VERSION_STRING;
    for (const auto& e : s.registry.extensions())
      if (s.settings.extension_enabled(e.name) && !s.settings.restricted_to_global(e.name) &&
          e.name != "vnd.dovecot.testsuite")
        options.sieve_extensions.push_back(e.name);
    options.notify_methods = methods::standard_methods(s.notify.policy).schemes();
    options.max_redirects = s.settings.max_redirects;
    options.allow_plaintext_auth = c.managesieve_allow_plaintext_auth;
    options.max_script_size = std::min<std::uint64_t>(
        static_cast<std::uint64_t>(c.managesieve_max_script_size), s.settings.max_script_size);
    options.max_auth_failures =
        static_cast<unsigned>(std::max<std::int64_t>(1, c.managesieve_max_auth_failures));
    options.timeout_auth = std::chrono::seconds(c.managesieve_timeout);
    options.timeout_unauth = std::chrono::seconds(c.managesieve_login_timeout);
  }
};

ManageSieveService::ManageSieveService(const config::ServerConfig& cfg, DeliveryStack& stack,
                                       Logger& log)
    : impl_(std::make_unique<Impl>(cfg, stack, log)) {}

ManageSieveService::~ManageSieveService() {
  stop();
}

Result<bool> ManageSieveService::start(std::span<const net::Endpoint> endpoints) {
  if (auto r = listen(endpoints); !r) return r;
  serve();
  return true;
}

void ManageSieveService::serve() {
  Impl& m = *impl_;
  if (m.server && !m.thread.joinable()) m.thread = std::thread([&m] { m.server->run(false); });
}

void ManageSieveService::drain(std::chrono::seconds timeout) {
  if (impl_->server) impl_->server->drain(timeout);
}

Result<bool> ManageSieveService::reload_tls(const std::string& cert, const std::string& key) {
  if (!impl_->server) return true;
  return impl_->server->reload_tls(cert, key);
}

Result<bool> ManageSieveService::listen(std::span<const net::Endpoint> endpoints) {
  Impl& m = *impl_;
  // The secret behind the SCRAM salts of users without keys: kept in the
  // data directory (0600) so that those salts survive a restart.
  const std::filesystem::path secret_file = std::filesystem::path(m.cfg.data_dir) / "scram-secret";
  std::string secret = base::read_file(secret_file).value_or("");
  if (secret.size() < 32) {
    auto fresh = store::random_secret();
    if (!fresh) return Result<bool>::failure(fresh.error());
    secret = std::move(*fresh);
    if (auto w = base::write_file_atomic(secret_file, secret); !w)
      m.log.write("event=warning " + base::log_field("detail", w.error()));
  }
  auto sasl = ms::make_gsasl_server_checked(
      [&users = *m.stack.user_source,
       &log = m.log](std::string_view user) -> Result<std::optional<std::string>> {
        if (!store::check_user_name(user)) return std::optional<std::string>();
        auto found = users.find(user);
        if (!found) {
          log.write("event=user-lookup-error " + base::log_field("user", user) + " temporary=yes " +
                    base::log_field("error", found.error()));
          return Result<std::optional<std::string>>::failure(found.error());
        }
        if (!found->has_value()) return std::optional<std::string>();
        return std::optional<std::string>((*found)->password);
      },
      std::move(secret));
  if (!sasl) return Result<bool>::failure(sasl.error());
  m.sasl = std::move(*sasl);
  net::ServerOptions so;
  so.max_line = static_cast<std::size_t>(m.cfg.managesieve_max_line_length);
  so.max_connections = static_cast<std::size_t>(m.cfg.managesieve_max_connections);
  so.workers = 2;
  so.tls_cert = m.cfg.managesieve_tls_cert;
  so.tls_key = m.cfg.managesieve_tls_key;
  so.tls_min_protocol = m.cfg.tls_min_protocol;
  so.tls_ciphers = m.cfg.tls_ciphers;
  m.server = std::make_unique<net::LineServer>(
      so,
      [&m](const net::ConnectionInfo& info) -> std::unique_ptr<net::LineHandler> {
        const std::string id = std::to_string(::getpid()) + "-ms" + std::to_string(++m.sessions);
        const std::string address = address_of(info.remote);
        // IPv6 clients per prefix: a handful of addresses out of one /64
        // must not take every slot.
        auto slot = m.limits.acquire(
            base::address_group(address, static_cast<unsigned>(std::clamp<std::int64_t>(
                                             m.cfg.managesieve_ipv6_prefix_length, 0, 128))),
            static_cast<std::size_t>(m.cfg.managesieve_max_connections_per_address),
            info.over_limit ? nullptr : m.shared.get(), id);
        m.log.write("event=connect protocol=managesieve " + base::log_field("session", id) + " " +
                    base::log_field("remote", info.remote));
        ms::Options o = m.options;
        o.audit = [&log = m.log, metrics = m.stack.metrics, id, remote = info.remote](
                      const ms::AuditRecord& r) { audit_line(log, metrics, id, remote, r); };
        o.tls_available = info.tls_available;
        o.loopback = is_loopback(address);
        const bool refuse = info.over_limit || !slot;
        SessionEvents ev{m.stack.outbox.get(), m.cfg.hostname,
                         session_info(info.remote, m.cfg.hostname)};
        return std::make_unique<Handler>(m.backend, *m.sasl, m.guard, std::move(o), address,
                                         std::move(slot), refuse, m.log, id, std::move(ev),
                                         m.stack.metrics);
      },
      m.log.fn());
  return m.server->listen(endpoints);
}

std::uint16_t ManageSieveService::bound_port(std::size_t i) const {
  return impl_->server ? impl_->server->bound_port(i) : 0;
}

void ManageSieveService::stop() {
  if (impl_->server) impl_->server->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace zest::server
