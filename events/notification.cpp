#include "events/notification.hpp"

#include <nlohmann/json.hpp>

#include "base/base64.hpp"
#include "base/text.hpp"

namespace zest::events {
namespace {

using json = nlohmann::ordered_json;

json headers_json(const std::vector<methods::Header>& hs) {
  json a = json::array();
  for (const auto& h : hs) a.push_back(json::array({h.name, h.value}));
  return a;
}

std::vector<methods::Header> headers_from(const nlohmann::json& a) {
  std::vector<methods::Header> out;
  if (!a.is_array()) return out;
  for (const auto& h : a)
    if (h.is_array() && h.size() == 2 && h[0].is_string() && h[1].is_string())
      out.push_back({h[0].get<std::string>(), h[1].get<std::string>()});
  return out;
}

// The origin of an http(s) URL: scheme://host[:port], lower-cased.
std::string origin(std::string_view url) {
  const auto colon = url.find("://");
  if (colon == std::string_view::npos) return std::string(url);
  auto end = url.find_first_of("/?#", colon + 3);
  std::string_view authority = url.substr(
      colon + 3, end == std::string_view::npos ? std::string_view::npos : end - colon - 3);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);  // never userinfo in a name that is logged
  return base::to_lower(url.substr(0, colon)) + "://" + base::to_lower(authority);
}

json payload_json(const methods::Payload& p) {
  if (const auto* m = std::get_if<methods::MailPayload>(&p))
    return {{"envelope_from", m->envelope_from},
            {"rcpts", m->rcpts},
            {"message_b64", base::base64_encode(m->message)}};
  if (const auto* x = std::get_if<methods::XmppPayload>(&p)) {
    json j = {{"to", x->to}, {"type", x->type}, {"body", x->body}, {"shim", headers_json(x->shim)}};
    if (x->subject) j["subject"] = *x->subject;
    return j;
  }
  const auto& h = std::get<methods::HttpPayload>(p);
  return {{"url", h.url},
          {"event_id", h.event_id},
          {"body", h.body},
          {"headers", headers_json(h.headers)}};
}

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string method_of(bool vacation, const methods::Payload& p) {
  if (vacation) return "vacation";
  if (std::holds_alternative<methods::MailPayload>(p)) return "mailto";
  if (std::holds_alternative<methods::XmppPayload>(p)) return "xmpp";
  return methods::scheme_of(std::get<methods::HttpPayload>(p).url);
}

}  // namespace

std::string destination_of(const methods::Payload& p) {
  std::string out(kNotifyPrefix);
  if (std::holds_alternative<methods::MailPayload>(p)) return out + "mail";
  if (std::holds_alternative<methods::XmppPayload>(p)) return out + "xmpp";
  return out + origin(std::get<methods::HttpPayload>(p).url);
}

std::vector<Routed> routed_events(std::string_view user, const std::vector<Outgoing>& items) {
  std::vector<Routed> out;
  auto add = [&](const Outgoing& o, const methods::Payload& p) {
    Routed r;
    r.sink = destination_of(p);
    r.event.id = new_event_id();
    r.event.type = std::string(o.vacation ? kVacationType : kNotifyType);
    r.event.user = std::string(user);
    r.event.time = rfc3339_now();
    r.event.data = {{"method", method_of(o.vacation, p)}, {"payload", payload_json(p)}};
    if (!o.imap_url.empty()) r.event.data["imap_url"] = o.imap_url;
    out.push_back(std::move(r));
  };
  for (const auto& o : items) {
    if (const auto* m = std::get_if<methods::MailPayload>(&o.payload); m && m->rcpts.size() > 1) {
      for (const auto& rcpt : m->rcpts) {
        methods::MailPayload one = *m;
        one.rcpts = {rcpt};
        add(o, one);
      }
    } else {
      add(o, o.payload);
    }
  }
  return out;
}

Result<Outgoing> outgoing_from(const std::string& data) {
  using R = Result<Outgoing>;
  const auto j = nlohmann::json::parse(data, nullptr, false);
  if (!j.is_object() || !j.contains("payload") || !j["payload"].is_object())
    return R::failure("not a stored notification");
  const auto& p = j["payload"];
  Outgoing o;
  o.method = str(j, "method");
  o.vacation = o.method == "vacation";
  o.imap_url = str(j, "imap_url");
  if (p.contains("rcpts")) {
    methods::MailPayload m;
    m.envelope_from = str(p, "envelope_from");
    if (p["rcpts"].is_array())
      for (const auto& r : p["rcpts"])
        if (r.is_string()) m.rcpts.push_back(r.get<std::string>());
    auto msg = base::base64_decode(str(p, "message_b64"));
    if (!msg || m.rcpts.empty()) return R::failure("stored mail notification is damaged");
    m.message = std::move(*msg);
    o.payload = std::move(m);
  } else if (p.contains("to")) {
    methods::XmppPayload x;
    x.to = str(p, "to");
    x.type = str(p, "type");
    x.body = str(p, "body");
    if (p.contains("subject")) x.subject = str(p, "subject");
    x.shim = headers_from(p.value("shim", nlohmann::json::array()));
    o.payload = std::move(x);
  } else if (p.contains("url")) {
    methods::HttpPayload h;
    h.url = str(p, "url");
    h.event_id = str(p, "event_id");
    h.body = str(p, "body");
    h.headers = headers_from(p.value("headers", nlohmann::json::array()));
    o.payload = std::move(h);
  } else {
    return R::failure("stored notification of unknown kind");
  }
  return o;
}

}  // namespace zest::events
