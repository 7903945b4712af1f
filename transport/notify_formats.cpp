#include "transport/notify_formats.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/text.hpp"
#include "mail/header_codec.hpp"

namespace zest::transport {
namespace {

// A header value an HTTP server takes: controls dropped, non-ASCII as
// RFC 2047 encoded-words on one line (ntfy decodes them).
std::string header_value(std::string_view text) {
  std::string clean;
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) clean += c;
  std::string out = mail::encode_words(clean);
  for (std::size_t pos; (pos = out.find("\r\n")) != std::string::npos;) out.erase(pos, 2);
  return out;
}

std::string str(const nlohmann::json& j, std::string_view path1, std::string_view path2 = {}) {
  const nlohmann::json* node = &j;
  for (auto key : {path1, path2}) {
    if (key.empty()) break;
    if (!node->is_object()) return {};
    auto it = node->find(std::string(key));
    if (it == node->end()) return {};
    node = &*it;
  }
  return node->is_string() ? node->get<std::string>() : std::string();
}

// A title for a phone: who the mail is from.
std::string title_of(const nlohmann::json& body) {
  std::string from = str(body, "trigger", "from");
  if (from.empty()) from = str(body, "trigger", "envelope_from");
  return from.empty() ? "New mail" : "Mail from " + from;
}

int importance_of(const nlohmann::json& body) {
  const auto it = body.find("importance");
  return it != body.end() && it->is_number_integer() ? std::clamp(it->get<int>(), 1, 3) : 2;
}

bool http_url(std::string_view s) {
  return base::istarts_with(s, "https://") || base::istarts_with(s, "http://");
}

}  // namespace

const HttpTarget* target_for(std::span<const HttpTarget> targets, std::string_view url) {
  const HttpTarget* best = nullptr;
  for (const auto& t : targets)
    if (url.starts_with(t.prefix) && (!best || t.prefix.size() > best->prefix.size())) best = &t;
  return best;
}

std::string check_target(const HttpTarget& t) {
  if (!http_url(t.prefix)) return "prefix must start with https:// or http://";
  if (t.format != "json" && t.format != "cloudevents" && t.format != "ntfy" && t.format != "gotify")
    return "format must be \"json\", \"cloudevents\", \"ntfy\" or \"gotify\"";
  if (t.format == "gotify" && t.token.empty()) return "a gotify target needs its application token";
  if (!t.token.empty() && !t.authorization.empty())
    return "token and authorization exclude each other";
  for (const auto* v : {&t.token, &t.authorization})
    if (v->find_first_of("\r\n") != std::string::npos) return "line break in a credential";
  return {};
}

Result<WebhookRequest> format_request(const methods::HttpPayload& p, const HttpTarget* target,
                                      std::string_view imap_url, const FormatOptions& o) {
  using R = Result<WebhookRequest>;
  WebhookRequest r;
  r.webhook_id = p.event_id;
  const std::string& format = target ? target->format : o.default_format;
  if (format == "json") {
    for (const auto& h : p.headers) r.headers.push_back(h.name + ": " + h.value);
    r.body = p.body;
    return r;
  }
  const auto body = nlohmann::json::parse(p.body, nullptr, false);
  if (!body.is_object()) return R::failure("stored notification body is not JSON");
  if (format == "cloudevents") {
    // As the event webhooks (events/event.cpp): structured mode, the id
    // is the webhook-id, the subject the user.
    nlohmann::ordered_json ce = {{"specversion", "1.0"},         {"id", p.event_id},
                                 {"source", o.source},           {"type", "vnd.zest.Notify"},
                                 {"subject", str(body, "user")}, {"time", str(body, "timestamp")}};
    if (o.sequence > 0) {
      char seq[32];
      std::snprintf(seq, sizeof seq, "%020lld", static_cast<long long>(o.sequence));
      ce["sequence"] = seq;
    }
    ce["datacontenttype"] = "application/json";
    ce["data"] = nlohmann::ordered_json::parse(p.body, nullptr, false);
    for (const auto& h : p.headers)
      if (!base::iequals(h.name, "Content-Type")) r.headers.push_back(h.name + ": " + h.value);
    r.headers.push_back("Content-Type: application/cloudevents+json; charset=utf-8");
    r.body = ce.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    return r;
  }
  const std::string message = str(body, "message");
  const int importance = importance_of(body);
  r.headers = {"User-Agent: zest-notify/1", "Idempotency-Key: " + p.event_id};
  if (target->format == "ntfy") {
    // ntfy priorities: 5 max, 4 high, 3 default, 2 low, 1 min.
    static constexpr const char* kPriority[] = {"4", "3", "2"};
    r.headers.push_back("Content-Type: text/plain; charset=utf-8");
    r.headers.push_back("Title: " + header_value(title_of(body)));
    r.headers.push_back(std::string("Priority: ") + kPriority[importance - 1]);
    std::string tags;
    for (const auto& t : target->tags) tags += (tags.empty() ? "" : ",") + t;
    if (!tags.empty()) r.headers.push_back("Tags: " + header_value(tags));
    if (!imap_url.empty()) r.headers.push_back("Click: " + header_value(imap_url));
    if (!target->authorization.empty())
      r.headers.push_back("Authorization: " + target->authorization);
    else if (!target->token.empty())
      r.headers.push_back("Authorization: Bearer " + target->token);
    r.body = message;
    return r;
  }
  // Gotify: priorities 0..10; its clients treat 8 and up as high.
  static constexpr int kPriority[] = {8, 5, 2};
  nlohmann::json doc = {
      {"title", title_of(body)}, {"message", message}, {"priority", kPriority[importance - 1]}};
  if (!imap_url.empty())
    doc["extras"] = {{"client::notification", {{"click", {{"url", std::string(imap_url)}}}}}};
  r.headers.push_back("Content-Type: application/json");
  r.headers.push_back("X-Gotify-Key: " + target->token);
  r.body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace zest::transport
