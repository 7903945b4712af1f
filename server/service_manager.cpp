#include "server/service_manager.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <string>

namespace zest::server {

void notify_ready(std::string_view status) {
  const std::string msg = "READY=1\nSTATUS=" + std::string(status);
  (void)sd_notify(0, msg.c_str());
}

void notify_reloading() {
  // MONOTONIC_USEC lets systemd >= 253 (Type=notify-reload) match the reload.
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL +
                    static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
  const std::string msg = "RELOADING=1\nSTATUS=reloading\nMONOTONIC_USEC=" + std::to_string(usec);
  (void)sd_notify(0, msg.c_str());
}

void notify_stopping() {
  (void)sd_notify(0, "STOPPING=1\nSTATUS=stopping: finishing open sessions");
}

}  // namespace zest::server
