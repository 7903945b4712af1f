// Telling systemd (Type=notify) where zestd is: READY once the listeners
// are bound, RELOADING/READY around a SIGHUP reload, STOPPING on SIGTERM.
// Does nothing when not started by systemd (no $NOTIFY_SOCKET).
#pragma once

#include <string_view>

namespace zest::server {

void notify_ready(std::string_view status);
void notify_reloading();
void notify_stopping();

}  // namespace zest::server
