// zestd: the Sieve mail-filtering daemon. Runs in the foreground (as
// systemd expects) and serves LMTP and ManageSieve (RFC 5804).
//
// Start-up order matters: bind every listener (root may be needed for the
// ports), drop to the service account, and only then open user data,
// accept connections and tell systemd READY. SIGHUP reloads, SIGTERM
// drains (docs/zestd.md "Running as a service").
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "base/allocator.hpp"
#include "base/atomic_file.hpp"
#include "base/log_format.hpp"
#include "base/logfmt.hpp"
#include "config/server_config.hpp"
#include "delivery/lmtp_handler.hpp"
#include "metrics/zest_metrics.hpp"
#include "net/line_server.hpp"
#include "server/config_check.hpp"
#include "server/managesieve_service.hpp"
#include "server/metrics_http.hpp"
#include "server/privileges.hpp"
#include "server/runtime.hpp"
#include "server/service_manager.hpp"
#include "transport/curl.hpp"

using namespace zest;

namespace {

constexpr int kExNoPerm = 77, kExConfig = 78, kExOsErr = 71;

Result<config::ServerConfig> load(const std::string& path) {
  return path.empty() ? Result<config::ServerConfig>(config::default_server_config())
                      : config::load_server_config(path);
}

std::vector<net::Endpoint> endpoints(const std::vector<std::string>& specs) {
  std::vector<net::Endpoint> out;
  for (const auto& spec : specs)
    if (auto ep = net::parse_endpoint(spec)) out.push_back(*ep);
  return out;
}

// SIGHUP: a configuration that fails the checks is refused and the running
// one stays. What can change without a restart does (TLS certificates and
// keys); the passwd-file and scripts are re-read on change anyway (mtime).
// Other changed keys are named in the log as needing a restart.
void reload(const std::string& path, const config::ServerConfig& running, net::LineServer& lmtp,
            server::ManageSieveService& managesieve, server::Logger& log) {
  server::notify_reloading();
  log.write("event=reload-start " + base::log_field("config", running.source));
  auto fresh = load(path);
  std::vector<std::string> problems;
  if (!fresh) {
    problems.push_back(fresh.error());
  } else {
    server::Logger quiet("zestd", false);
    server::DeliveryStack probe(fresh.value(), quiet, server::DeliveryStack::Deferred{});
    problems = server::check_config(fresh.value(), probe);
  }
  if (problems.empty()) {
    const auto& c = fresh.value();
    if (auto r = lmtp.reload_tls(c.lmtp_tls_cert, c.lmtp_tls_key); !r)
      problems.push_back("[lmtp] " + r.error());
    if (auto r = managesieve.reload_tls(c.managesieve_tls_cert, c.managesieve_tls_key); !r)
      problems.push_back("[managesieve] " + r.error());
  }
  if (!problems.empty()) {
    for (const auto& p : problems) log.write("event=reload-refused " + base::log_field("error", p));
    server::notify_ready("running (reload refused: see the log)");
    return;
  }
  const auto& c = fresh.value();
  log.set_level(server::log_options(c).level);
  std::string restart;
  auto changed = [&](std::string_view key, bool differs) {
    if (differs) restart += (restart.empty() ? "" : ",") + std::string(key);
  };
  // The listeners' TLS files are applied above; the rest of the keys
  // (other tls_ keys too, e.g. [state] tls_verify) are read once.
#define ZEST_KEY(table, key, member, kind, def, def_doc, doc)                              \
  if (!std::string_view(#member).ends_with("_tls_cert") &&                                 \
      !std::string_view(#member).ends_with("_tls_key") &&                                  \
      std::string_view(#member) != "log_level")                                            \
    changed(std::string_view(table).empty() ? std::string(key)                             \
                                            : std::string(table) + "." + std::string(key), \
            c.member != running.member);
#include "config/config_keys.def"
  changed("events.sink", c.event_sinks.size() != running.event_sinks.size());
  bool targets_differ = c.notify_http_targets.size() != running.notify_http_targets.size();
  for (std::size_t i = 0; !targets_differ && i < c.notify_http_targets.size(); ++i) {
    const auto &a = c.notify_http_targets[i], &b = running.notify_http_targets[i];
    targets_differ = a.prefix != b.prefix || a.format != b.format || a.token != b.token ||
                     a.authorization != b.authorization || a.tags != b.tags;
  }
  changed("notify.http.target", targets_differ);
  log.write("event=reloaded tls=yes" +
            (restart.empty() ? std::string() : " " + base::log_field("restart_needed", restart)));
  server::notify_ready("running");
}

}  // namespace

int main(int argc, char** argv) {
  zest::base::tune_allocator();
  // Everything zest creates (homes, Maildirs, scripts, state files, the
  // events outbox) is private to its user: see docs/security.md.
  ::umask(077);
  CLI::App app{"zestd: Sieve mail filtering (LMTP delivery agent and ManageSieve server)"};
  std::string config_path;
  bool check = false, reference = false, dump = false, events_reference = false,
       metrics_reference = false;
  app.set_version_flag("--version", "zestd " ZEST_VERSION_STRING);
  app.add_option("-c,--config", config_path, "configuration file (TOML); default: built-in");
  app.add_flag("--check-config", check,
               "check the configuration as start-up would (files, certificates, scripts, URLs); "
               "print each problem with its file and line; exit 78 if there is one");
  app.add_flag("--dump-config", dump,
               "print the effective configuration, defaults included, secrets hidden");
  app.add_flag("--config-reference", reference, "print the Markdown reference of all keys");
  app.add_flag("--log-events-reference", events_reference,
               "print the Markdown table of every log event (docs/logging.md)");
  app.add_flag("--metrics-reference", metrics_reference,
               "print the Markdown table of every metric (docs/metrics.md)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 64;
  }
  if (reference) {
    std::cout << config::config_reference_markdown();
    return 0;
  }
  if (events_reference) {
    std::cout << base::log_events_markdown();
    return 0;
  }
  if (metrics_reference) {
    std::cout << metrics::metrics_markdown();
    return 0;
  }
  auto loaded = load(config_path);
  if (!loaded) {
    std::cerr << "zestd: " << loaded.error() << "\n";
    return kExConfig;
  }
  const config::ServerConfig& cfg = loaded.value();
  if (dump) {
    std::cout << config::dump_server_config(cfg);
    return 0;
  }
  server::Logger log("zestd", server::log_options(cfg));
  if (check) {
    server::Logger quiet("zestd", false);
    server::DeliveryStack probe(cfg, quiet, server::DeliveryStack::Deferred{});
    const auto problems = server::check_config(cfg, probe);
    for (const auto& p : problems) std::cerr << p << "\n";
    if (!problems.empty()) {
      std::cerr << "zestd: " << problems.size() << " problem" << (problems.size() == 1 ? "" : "s")
                << " in " << cfg.source << "\n";
      return kExConfig;
    }
    std::cout << "zestd: configuration " << cfg.source << " is valid\n";
    return 0;
  }
  for (const auto* list : {&cfg.lmtp_listen, &cfg.managesieve_listen})
    for (const auto& spec : *list)
      if (auto ep = net::parse_endpoint(spec); !ep) {
        std::cerr << "zestd: " << cfg.source << ": listen: " << ep.error() << "\n";
        return kExConfig;
      }
  const auto lmtp = endpoints(cfg.lmtp_listen);
  const auto sieve_eps = endpoints(cfg.managesieve_listen);
  std::vector<net::Endpoint> metrics_eps;
  if (!cfg.metrics_listen.empty()) {
    auto ep = net::parse_endpoint(cfg.metrics_listen);
    if (!ep) {
      std::cerr << "zestd: " << cfg.source << ": [metrics] listen: " << ep.error() << "\n";
      return kExConfig;
    }
    metrics_eps.push_back(*ep);
  }

  // Signals are taken by sigwait() below; every thread started from here on
  // inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&signals, s);
  ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const transport::CurlGlobal curl;
  server::DeliveryStack stack(cfg, log, server::DeliveryStack::Deferred{});

  // Metrics ([metrics] listen): counted only when served.
  metrics::Registry metric_registry;
  metrics::ZestMetrics zest_metrics(metric_registry);
  std::unique_ptr<net::LineServer> metrics_server;
  if (!metrics_eps.empty()) {
    stack.set_metrics(&zest_metrics);
    zest_metrics.build_info.set({ZEST_VERSION_STRING}, 1);
    zest_metrics.start_time.set(
        {}, static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count()));
    // The cache counts for itself; the counters advance by what it
    // counted since the last scrape.
    metric_registry.on_collect(
        [&stack, &zest_metrics, last = store::ScriptCache::Stats{}]() mutable {
          const auto now = stack.scripts.stats();
          const auto advance = [&](std::string_view result, std::uint64_t was, std::uint64_t is) {
            zest_metrics.script_cache_lookups.inc({result}, static_cast<double>(is - was));
          };
          advance("hit", last.hits, now.hits);
          advance("binary", last.binaries, now.binaries);
          advance("compiled", last.compiled, now.compiled);
          advance("failed", last.failed, now.failed);
          zest_metrics.script_cache_evictions.inc(
              {}, static_cast<double>(now.evictions - last.evictions));
          zest_metrics.script_cache_entries.set({}, static_cast<double>(now.entries));
          zest_metrics.script_cache_bytes.set({}, static_cast<double>(now.bytes));
          last = now;
        });
    metric_registry.on_collect([&stack, &cfg, &zest_metrics] {
      if (!stack.outbox) return;
      auto counts = stack.outbox->counts();
      if (!counts) return;
      zest_metrics.outbox_pending.clear();
      zest_metrics.outbox_dead.clear();
      for (const auto& sink : cfg.event_sinks) {
        zest_metrics.outbox_pending.set({sink.name}, 0);
        zest_metrics.outbox_dead.set({sink.name}, 0);
      }
      for (const auto& c : counts.value()) {
        zest_metrics.outbox_pending.set({c.sink}, static_cast<double>(c.pending));
        zest_metrics.outbox_dead.set({c.sink}, static_cast<double>(c.dead));
      }
    });
    metrics_server = std::make_unique<net::LineServer>(
        server::metrics_server_options(),
        server::metrics_http_factory(metric_registry, zest_metrics,
                                     [&stack]() -> std::string {
                                       if (!stack.outbox) return "";
                                       auto c = stack.outbox->counts();
                                       return c ? "" : "event outbox: " + c.error();
                                     }),
        log.fn());
    if (auto r = metrics_server->listen(metrics_eps); !r) {
      std::cerr << "zestd: [metrics] " << r.error() << "\n";
      return kExOsErr;
    }
  }

  delivery::LmtpOptions lopts;
  lopts.hostname = cfg.hostname;
  lopts.max_message_size = static_cast<std::size_t>(cfg.lmtp_max_message_size);
  lopts.max_recipients = static_cast<std::size_t>(cfg.lmtp_max_recipients);
  lopts.command_timeout = lopts.data_timeout = std::chrono::seconds(cfg.lmtp_timeout);

  net::ServerOptions sopts;
  sopts.max_line = static_cast<std::size_t>(cfg.lmtp_max_line_length);
  sopts.max_connections = static_cast<std::size_t>(cfg.lmtp_max_connections);
  sopts.workers = static_cast<std::size_t>(cfg.lmtp_workers);
  sopts.tls_cert = cfg.lmtp_tls_cert;
  sopts.tls_key = cfg.lmtp_tls_key;
  sopts.tls_min_protocol = cfg.tls_min_protocol;
  sopts.tls_ciphers = cfg.tls_ciphers;
  const bool tls = !cfg.lmtp_tls_cert.empty();
  net::LineServer server(
      sopts, delivery::lmtp_handler_factory(stack.agent, lopts, tls, log.fn(), stack.metrics),
      log.fn());
  if (auto r = server.listen(lmtp); !r) {
    std::cerr << "zestd: " << r.error() << "\n";
    return kExOsErr;
  }
  server::ManageSieveService managesieve(cfg, stack, log);
  if (!sieve_eps.empty())
    if (auto r = managesieve.listen(sieve_eps); !r) {
      std::cerr << "zestd: [managesieve] " << r.error() << "\n";
      return kExOsErr;
    }
  // Bound: now give up root before any user data is read.
  auto who = server::drop_privileges(cfg);
  if (!who) {
    std::cerr << "zestd: " << who.error() << "\n";
    log.write("event=privileges-refused " + base::log_field("error", who.error()));
    return kExNoPerm;
  }
  log.write("event=privileges " + base::log_field("identity", *who));

  (void)base::make_private_dirs(cfg.data_dir);
  stack.open_events(cfg, log);
  if (!stack.outbox_error.empty()) {
    std::cerr << "zestd: [events] outbox " << cfg.events_outbox << ": " << stack.outbox_error
              << "\n";
    return kExOsErr;
  }
  server::EventSenders event_senders;
  if (stack.outbox)
    if (auto r = event_senders.start(cfg, *stack.outbox, stack.notify, stack.sender, log); !r) {
      std::cerr << "zestd: " << cfg.source << ": " << r.error() << "\n";
      return kExConfig;
    }

  for (std::size_t i = 0; i < lmtp.size(); ++i) {
    std::string where = lmtp[i].to_string();
    if (lmtp[i].kind == net::Endpoint::Kind::Tcp && lmtp[i].port == 0)
      where = lmtp[i].host + ":" + std::to_string(server.bound_port(i));
    log.write("event=listening protocol=lmtp " + base::log_field("address", where));
  }
  for (std::size_t i = 0; i < sieve_eps.size(); ++i) {
    std::string where = sieve_eps[i].to_string();
    if (sieve_eps[i].kind == net::Endpoint::Kind::Tcp && sieve_eps[i].port == 0)
      where = sieve_eps[i].host + ":" + std::to_string(managesieve.bound_port(i));
    log.write("event=listening protocol=managesieve " + base::log_field("address", where));
  }
  if (metrics_server) {
    std::string where = metrics_eps[0].to_string();
    if (metrics_eps[0].kind == net::Endpoint::Kind::Tcp && metrics_eps[0].port == 0)
      where = metrics_eps[0].host + ":" + std::to_string(metrics_server->bound_port(0));
    log.write("event=listening protocol=metrics " + base::log_field("address", where));
  }
  std::thread metrics_thread;
  if (metrics_server)
    metrics_thread = std::thread([&metrics_server] { metrics_server->run(false); });
  std::thread lmtp_thread([&server] { server.run(false); });
  if (!sieve_eps.empty()) managesieve.serve();
  log.write("event=started " + base::log_field("config", cfg.source) + " " +
            base::log_field("data_dir", cfg.data_dir) + " " +
            base::log_field("passwd_file", cfg.passwd_file));
  server::notify_ready("running");
  // The tmp/ sweep of a large site takes a while: not before serving.
  std::jthread sweep([&](std::stop_token stop) { server::sweep_stale_tmp(stack, cfg, log, stop); });

  for (;;) {
    int sig = 0;
    if (::sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      reload(config_path, cfg, server, managesieve, log);
      continue;
    }
    log.write("event=shutdown signal=" + std::to_string(sig) +
              " timeout=" + std::to_string(cfg.server_shutdown_timeout));
    break;
  }
  server::notify_stopping();
  sweep.request_stop();
  const auto timeout = std::chrono::seconds(cfg.server_shutdown_timeout);
  server.drain(timeout);
  managesieve.drain(timeout);
  lmtp_thread.join();
  managesieve.stop();
  sweep.join();
  if (metrics_server) metrics_server->stop();  // answered scrapes until the sessions ended
  if (metrics_thread.joinable()) metrics_thread.join();
  event_senders.stop();
  log.write("event=stopped");
  return 0;
}
