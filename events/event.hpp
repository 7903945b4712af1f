// Message-store events (RFC 5423) as zest records and sends them
// (docs/events.md): the event model, the builders for each event zest
// emits, and the CloudEvents 1.0 JSON a sink receives.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"

namespace zest::events {

// One event as recorded, before it is assigned to sinks.
struct Event {
  std::string id;    // ULID, stable across retries and sinks
  std::string type;  // RFC 5423 name ("MessageNew") or "vnd.zest.<Name>"
  std::string user;  // the mailbox owner / authenticated user
  std::string time;  // RFC 3339 with UTC offset
  nlohmann::ordered_json data = nlohmann::ordered_json::object();  // RFC 5423 parameters
};

// An event for one named stream, not for the configured sinks: a Sieve
// notification or a vacation reply on its way to `sink` (a destination,
// "notify:<...>"; docs/notifications.md).
struct Routed {
  std::string sink;
  Event event;
};

// Where delivery (and ManageSieve) hand events; the outbox implements it.
// record() returns only once the events are durable, all or none.
class EventRecorder {
 public:
  virtual ~EventRecorder() = default;
  Status record(std::span<const Event> events) { return record_all(events, {}); }
  virtual Status record_all(std::span<const Event> events, std::span<const Routed> routed) = 0;
};

// A new ULID (48-bit millisecond time + 80 random bits, Crockford base32).
std::string new_event_id();
// Now as "2026-11-28T07:25:27.123+00:00" (local time with its offset).
std::string rfc3339_now();

// RFC 5092 IMAP URLs. The user is percent-encoded as enc-user (an '@'
// becomes %40); the mailbox is UTF-8, percent-encoded as enc-mailbox.
std::string imap_mailbox_url(std::string_view user, std::string_view host, std::string_view mailbox,
                             std::uint32_t uidvalidity);
std::string imap_message_url(std::string_view user, std::string_view host, std::string_view mailbox,
                             std::uint32_t uidvalidity, std::uint32_t uid);

struct Common {
  std::string user;
  std::string server_fqdn;  // our host name
  std::string service;      // "lmtp", "sieve"
};

struct MessageNewInfo {
  std::string mailbox;
  std::uint32_t uidvalidity = 0, uid = 0;
  std::uint64_t size = 0;  // CRLF octets
  std::string envelope;    // "MAIL FROM:<a>\r\nRCPT TO:<b>"
  std::vector<std::string> flags;
  std::string message_id, from, subject;  // vnd.zest.*: header values, may be empty
};
Event message_new(const Common& c, const MessageNewInfo& m);
// Delivery refused for the storage quota (QuotaExceed), or the first
// delivery within it again (QuotaWithin); sizes in octets, sent in KiB.
Event quota_event(const Common& c, bool exceeded, std::uint64_t quota, std::uint64_t used);
Event mailbox_create(const Common& c, std::string_view mailbox, std::uint32_t uidvalidity);
// A message a Sieve script rejected or discarded (nothing stored):
// vnd.zest.MessageRejected / vnd.zest.MessageDiscarded.
Event message_refused(const Common& c, bool rejected, std::string_view envelope,
                      std::string_view reason, std::string_view message_id, std::string_view from,
                      std::string_view subject);
struct SessionInfo {
  std::string server_domain;  // the address the client connected to
  int server_port = 0;
  std::string client_ip;
  int client_port = 0;
};
Event login(const Common& c, const SessionInfo& s);
Event logout(const Common& c, const SessionInfo& s, std::string_view reason);
// A refused ManageSieve PUTSCRIPT: vnd.zest.SieveScriptRefused.
Event script_refused(const Common& c, std::string_view script, std::string_view reason);

// A recorded event as one sink sees it: its place in the (sink, user)
// stream.
struct StreamEvent {
  std::string id, type, user, time;
  std::string data;  // the JSON object of parameters, as stored
  std::int64_t sequence = 0;
};
// The CloudEvents 1.0 structured-mode JSON document, without the `data`
// members a sink may not see.
std::string cloudevent_json(const StreamEvent& e, std::string_view source,
                            std::span<const std::string> fields_denied);
// The sequence attribute: 20 digits, zero-padded, so text order is number order.
std::string sequence_text(std::int64_t seq);

}  // namespace zest::events
