// The request formats of https notifications (docs/notifications.md):
// `[[notify.http.target]]` entries map a URL prefix to a format. "json"
// (the default) is the signed JSON document of docs/http-notify.md as the
// method prepared it; "ntfy" publishes to an ntfy topic (plain-text body,
// Title, Priority, Tags, Click, optional Authorization; docs.ntfy.sh
// "Publishing"); "gotify" posts a Gotify message (`POST /message`, app
// token in X-Gotify-Key, JSON title, message, priority); "cloudevents"
// wraps the JSON document as the `data` of a CloudEvents 1.0 event in
// structured mode, as the event webhooks send (docs/events.md), so one
// receiver can take both. Pure: no I/O.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "methods/method.hpp"
#include "transport/http_client.hpp"

namespace zest::transport {

struct HttpTarget {
  std::string prefix{};             // the URL prefix it applies to
  std::string format = "json";      // "json", "cloudevents", "ntfy", "gotify"
  std::string token{};              // ntfy: Bearer token; gotify: the application token
  std::string authorization{};      // ntfy: the whole Authorization value (instead of token)
  std::vector<std::string> tags{};  // ntfy Tags
};

// The target of `url`: the one with the longest matching prefix; null
// when none matches (the default JSON format).
const HttpTarget* target_for(std::span<const HttpTarget> targets, std::string_view url);

// "", or why the entry is not usable (bad prefix or format, a gotify
// target without token).
std::string check_target(const HttpTarget& t);

struct FormatOptions {
  std::string default_format = "json";  // [notify.http] format: "json" or "cloudevents"
  std::string source;                   // the CloudEvents source ([events] source)
  std::int64_t sequence = 0;            // its number in the outbox stream; 0 = none
};

// The request for one notification in the target's format (nullptr:
// `o.default_format`). `imap_url`: the stored message (ntfy Click, Gotify click
// extra), may be empty. The body the method prepared is the source of the
// text: its "message", "importance", "trigger" and "user" members.
Result<WebhookRequest> format_request(const methods::HttpPayload& p, const HttpTarget* target,
                                      std::string_view imap_url, const FormatOptions& o = {});

}  // namespace zest::transport
