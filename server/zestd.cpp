// zestd: the Sieve mail-filtering daemon. Runs in the foreground (as
// systemd expects) and serves LMTP and ManageSieve (RFC 5804).
#include <curl/curl.h>

#include <atomic>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "base/logfmt.hpp"
#include "config/server_config.hpp"
#include "delivery/lmtp_delivery.hpp"
#include "delivery/lmtp_session.hpp"
#include "net/line_server.hpp"
#include "server/managesieve_service.hpp"
#include "server/runtime.hpp"

namespace {

using namespace zest;

// Adapts the LMTP state machine to the line server.
class LmtpHandler final : public net::LineHandler {
 public:
  LmtpHandler(delivery::DeliveryAgent& agent, delivery::LmtpOptions opts,
              const net::ConnectionInfo& info, std::string id)
      : backend_(agent, false),
        session_(backend_, std::move(opts), info.remote, std::move(id)),
        over_limit_(info.over_limit),
        hostname_(agent.options().hostname) {}

  net::Output greeting() override {
    if (over_limit_)
      return {"421 4.3.2 " + hostname_ + " Too many connections, try again later\r\n", true};
    return convert(session_.greeting());
  }
  net::Output on_line(std::string_view line, bool crlf) override {
    return convert(session_.on_line(line, crlf));
  }
  net::Output on_overlong_line() override { return convert(session_.on_overlong_line()); }
  net::Output on_timeout() override { return convert(session_.on_timeout()); }
  net::Output work() override { return convert(session_.deliver_next()); }
  void on_tls_started() override {
    backend_.set_tls(true);
    session_.tls_started();
  }
  std::chrono::seconds timeout() const override { return session_.timeout(); }

 private:
  static net::Output convert(delivery::LmtpSession::Output o) {
    net::Output n;
    n.bytes = std::move(o.bytes);
    n.close = o.close;
    n.start_tls = o.start_tls;
    n.work = o.deliver;
    return n;
  }
  delivery::AgentLmtpBackend backend_;
  delivery::LmtpSession session_;
  bool over_limit_;
  std::string hostname_;
};

}  // namespace

int main(int argc, char** argv) {
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

  curl_global_init(CURL_GLOBAL_DEFAULT);
  server::Logger log("zestd");
  std::error_code ec;
  std::filesystem::create_directories(cfg.data_dir, ec);
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
  const bool tls = !cfg.lmtp_tls_cert.empty();
  std::atomic<std::uint64_t> sessions{0};
  net::LineServer server(
      sopts,
      [&](const net::ConnectionInfo& info) -> std::unique_ptr<net::LineHandler> {
        delivery::LmtpOptions o = lopts;
        o.tls_available = tls;
        const std::string id = std::to_string(::getpid()) + "-" + std::to_string(++sessions);
        log.write("event=connect " + base::log_field("session", id) + " " +
                  base::log_field("remote", info.remote));
        return std::make_unique<LmtpHandler>(stack.agent, o, info, id);
      },
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
  curl_global_cleanup();
  return 0;
}
