// Sieve notifications and vacation replies in the outbox
// (docs/notifications.md): each prepared payload becomes one routed event
// in the stream of its destination, "notify:<destination>", and back.
// A mail payload with several recipients becomes one event per recipient,
// so that a retry never sends a copy twice.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "events/event.hpp"
#include "methods/method.hpp"

namespace zest::events {

inline constexpr std::string_view kNotifyPrefix = "notify:";
inline constexpr std::string_view kNotifyType = "vnd.zest.Notify";
inline constexpr std::string_view kVacationType = "vnd.zest.Vacation";

// "notify:mail" (SMTP submission), "notify:xmpp" (the service account's
// server), "notify:https://host:port" (the receiver's origin).
std::string destination_of(const methods::Payload& p);

struct Outgoing {
  bool vacation = false;  // a vacation reply, else a notify action
  methods::Payload payload;
  std::string imap_url{};  // the stored message, when there is one (ntfy Click)
  std::string method{};    // read back: "mailto", "xmpp", "https", "http", "vacation"
};

// The routed events of one delivery's outgoing items, for `user`.
std::vector<Routed> routed_events(std::string_view user, const std::vector<Outgoing>& items);

// Back from a routed event's data.
Result<Outgoing> outgoing_from(const std::string& data);

}  // namespace zest::events
