#include "server/runtime.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "server/notify_setup.hpp"
#include "store/maildir_clean.hpp"

namespace zest::server {
namespace {

delivery::AgentOptions agent_options(const config::ServerConfig& c) {
  delivery::AgentOptions o;
  o.data_dir = c.data_dir;
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
  return o;
}

}  // namespace

void Logger::write(std::string_view line) {
  if (!enabled_) return;
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char ts[80];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(ms));
  std::lock_guard lock(mu_);
  std::cerr << ts << ' ' << prog_ << '[' << ::getpid() << "]: " << line << std::endl;
}

DeliveryStack::DeliveryStack(const config::ServerConfig& cfg, Logger& log)
    : settings(engine_settings(cfg)),
      users(cfg.passwd_file),
      scripts(registry, settings),
      notify(notify_config(cfg)),
      sender(notify.submission),
      notify_transport(notify),
      agent(agent_options(cfg), users, scripts, sender, registry, settings, log.fn()) {
  agent.set_notify_transport(&notify_transport);
}

void sweep_stale_tmp(DeliveryStack& stack, const config::ServerConfig& cfg, Logger& log) {
  auto all = stack.users.all();
  if (!all) {
    log.write("event=tmp-cleanup-error " + delivery::log_field("error", all.error()));
    return;
  }
  const auto now = std::chrono::system_clock::now();
  for (const store::UserEntry& e : all.value()) {
    const std::filesystem::path home = e.home.empty()
                                           ? std::filesystem::path(cfg.data_dir) / "home" / e.name
                                           : std::filesystem::path(e.home);
    const auto r = store::clean_maildir_tmp(store::SieveHome{home}.maildir(), now);
    if (r.removed == 0 && r.failed == 0) continue;
    log.write("event=tmp-cleanup " + delivery::log_field("user", e.name) +
              " removed=" + std::to_string(r.removed) + " failed=" + std::to_string(r.failed));
  }
}

}  // namespace zest::server
