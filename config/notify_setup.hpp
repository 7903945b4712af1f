// The notification side of a zest configuration, read the same way by
// zestd, `zest deliver` and `sieve-test -e -c`: the transports' settings
// ([submission], [notify], [notify.xmpp], [notify.http]) and the engine
// settings the enotify extension and the executor read.
#pragma once

#include "config/server_config.hpp"
#include "interp/settings.hpp"
#include "transport/notify_transport.hpp"

namespace zest::config {

// The transports' settings (the configuration was validated when parsed).
transport::NotifyConfig notify_config(const config::ServerConfig& c);

// The [sieve] settings with the [notify] ones a script run needs
// (notify_max_per_run, notify_max_per_user_hour, notify_http_allow_http,
// notify_xmpp_jid, notify_xmpp_type, notify_mailto_envelope_from).
interp::EngineSettings engine_settings(const config::ServerConfig& c);

}  // namespace zest::config
