// zestd: the Sieve mail-filtering daemon. Runs in the foreground (as
// systemd expects) and serves LMTP and ManageSieve (RFC 5804).
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "base/atomic_file.hpp"
#include "base/logfmt.hpp"
#include "config/server_config.hpp"
#include "delivery/lmtp_handler.hpp"
#include "net/line_server.hpp"
#include "server/managesieve_service.hpp"
#include "server/runtime.hpp"
#include "transport/curl.hpp"

using namespace zest;

int main(int argc, char** argv) {
  // Everything zest creates (homes, Maildirs, scripts, state files, the
  // events outbox) is private to its user: see docs/security.md.
  ::umask(077);
  CLI::App app{"zestd: Sieve mail filtering (LMTP delivery agent)"};
  std::string config_path;
  bool check = false, reference = false;
  app.add_option("-c,--config", config_path, "configuration file (TOML); default: built-in");
  app.add_flag("--check-config", check, "validate the configuration and exit");
  app.add_flag("--config-reference", reference, "print the Markdown reference of all keys");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 64;
  }
  if (reference) {
    std::cout << config::config_reference_markdown();
    return 0;
  }
  auto loaded = config_path.empty() ? Result<config::ServerConfig>(config::default_server_config())
                                    : config::load_server_config(config_path);
  if (!loaded) {
    std::cerr << "zestd: " << loaded.error() << "\n";
    return 78;  // EX_CONFIG
  }
  const config::ServerConfig& cfg = loaded.value();
  std::vector<net::Endpoint> lmtp;
  for (const auto& spec : cfg.lmtp_listen) {
    auto ep = net::parse_endpoint(spec);
    if (!ep) {
      std::cerr << "zestd: " << cfg.source << ": [lmtp] listen: " << ep.error() << "\n";
      return 78;
    }
    lmtp.push_back(*ep);
  }
  std::vector<net::Endpoint> sieve_eps;
  for (const auto& spec : cfg.managesieve_listen) {
    auto ep = net::parse_endpoint(spec);
    if (!ep) {
      std::cerr << "zestd: " << cfg.source << ": [managesieve] listen: " << ep.error() << "\n";
      return 78;
    }
    sieve_eps.push_back(*ep);
  }
  if (check) {
    std::cout << "zestd: configuration " << cfg.source << " is valid\n";
    return 0;
  }

  const transport::CurlGlobal curl;
  server::Logger log("zestd");
  (void)base::make_private_dirs(cfg.data_dir);
  server::DeliveryStack stack(cfg, log);
  server::sweep_stale_tmp(stack, cfg, log);
  if (!stack.outbox_error.empty()) {
    std::cerr << "zestd: [events] outbox " << cfg.events_outbox << ": " << stack.outbox_error
              << "\n";
    return 71;
  }
  server::EventSenders event_senders;
  if (stack.outbox)
    if (auto r = event_senders.start(cfg, *stack.outbox, log); !r) {
      std::cerr << "zestd: " << cfg.source << ": " << r.error() << "\n";
      return 78;
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
  net::LineServer server(sopts, delivery::lmtp_handler_factory(stack.agent, lopts, tls, log.fn()),
                         log.fn());
  if (auto r = server.listen(lmtp); !r) {
    std::cerr << "zestd: " << r.error() << "\n";
    return 71;  // EX_OSERR
  }
  for (std::size_t i = 0; i < lmtp.size(); ++i) {
    std::string where = lmtp[i].to_string();
    if (lmtp[i].kind == net::Endpoint::Kind::Tcp && lmtp[i].port == 0)
      where = lmtp[i].host + ":" + std::to_string(server.bound_port(i));
    log.write("event=listening protocol=lmtp " + base::log_field("address", where));
  }
  server::ManageSieveService managesieve(cfg, stack, log);
  if (!sieve_eps.empty()) {
    if (auto r = managesieve.start(sieve_eps); !r) {
      std::cerr << "zestd: [managesieve] " << r.error() << "\n";
      return 71;
    }
    for (std::size_t i = 0; i < sieve_eps.size(); ++i) {
      std::string where = sieve_eps[i].to_string();
      if (sieve_eps[i].kind == net::Endpoint::Kind::Tcp && sieve_eps[i].port == 0)
        where = sieve_eps[i].host + ":" + std::to_string(managesieve.bound_port(i));
      log.write("event=listening protocol=managesieve " + base::log_field("address", where));
    }
  }
  log.write("event=started " + base::log_field("config", cfg.source) + " " +
            base::log_field("data_dir", cfg.data_dir) + " " +
            base::log_field("passwd_file", cfg.passwd_file));
  server.run(true);
  managesieve.stop();
  event_senders.stop();
  log.write("event=stopped");
  return 0;
}
