#include "events/event.hpp"

#include <sys/random.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>

#include "base/hex.hpp"
#include "base/percent.hpp"
#include "base/text.hpp"

namespace zest::events {
namespace {

using json = nlohmann::ordered_json;

// RFC 5092 §6: unreserved / sub-delims-sh / pct-encoded, plus the extra
// characters each production allows.
std::string pct_encode(std::string_view s, std::string_view extra) {
  static constexpr std::string_view kSubDelimsSh = "!$'()*+,";
  std::string out;
  for (unsigned char c : s) {
    const char ch = static_cast<char>(c);
    if (base::is_unreserved(c) || kSubDelimsSh.find(ch) != std::string_view::npos ||
        extra.find(ch) != std::string_view::npos) {
      out += ch;
    } else {
      out += '%';
      out += base::kHexUpper[c >> 4];
      out += base::kHexUpper[c & 15];
    }
  }
  return out;
}

std::string server_part(std::string_view user, std::string_view host) {
  // enc-user = 1*achar (achar adds "&" "=" "~"); bchar adds ":" "@" "/".
  return "imap://" + pct_encode(user, "&=") + "@" + std::string(host) + "/";
}

std::string mailbox_part(std::string_view mailbox) {
  // "INBOX" is case-insensitive in IMAP; say it the canonical way.
  std::string m(mailbox);
  if (base::istarts_with(m, "INBOX") && (m.size() == 5 || m[5] == '/')) m.replace(0, 5, "INBOX");
  return pct_encode(m, "&=:@/");
}

json base_data(const Common& c) {
  json d = json::object();
  d["user"] = c.user;
  return d;
}

void finish(json& d, const Common& c, const std::string& time) {
  if (!c.service.empty()) d["service"] = c.service;
  d["serverFQDN"] = c.server_fqdn;
  d["timestamp"] = time;
}

Event make(std::string type, const Common& c) {
  Event e;
  e.id = new_event_id();
  e.type = std::move(type);
  e.user = c.user;
  e.time = rfc3339_now();
  return e;
}

void put_if(json& d, const char* name, std::string_view value) {
  if (!value.empty()) d[name] = std::string(value);
}

}  // namespace

std::string new_event_id() {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const auto ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  unsigned char rnd[10] = {};
  std::size_t got = 0;
  while (got < sizeof rnd) {
    const ssize_t n = getrandom(rnd + got, sizeof rnd - got, 0);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  // 128 bits: time in the top 48, randomness below; 26 base32 digits.
  unsigned char bytes[16];
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  std::memcpy(bytes + 6, rnd, 10);
  std::string out(26, '0');
  // Digit k (from the right) holds bits 5k..5k+4 of the 130-bit number.
  for (int k = 0; k < 26; ++k) {
    unsigned v = 0;
    for (int b = 0; b < 5; ++b) {
      const int bit = 5 * k + b;  // bit index from the least significant
      if (bit >= 128) continue;
      const int byte = 15 - bit / 8;
      if (bytes[byte] & (1u << (bit % 8))) v |= 1u << b;
    }
    out[static_cast<std::size_t>(25 - k)] = kAlphabet[v];
  }
  return out;
}

std::string rfc3339_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::localtime_r(&t, &tm);
  const long off = tm.tm_gmtoff / 60;
  const long aoff = off < 0 ? -off : off;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lld%c%02ld:%02ld",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(ms), off < 0 ? '-' : '+', aoff / 60, aoff % 60);
  return buf;
}

std::string imap_mailbox_url(std::string_view user, std::string_view host, std::string_view mailbox,
                             std::uint32_t uidvalidity) {
  return server_part(user, host) + mailbox_part(mailbox) +
         ";UIDVALIDITY=" + std::to_string(uidvalidity);
}

std::string imap_message_url(std::string_view user, std::string_view host, std::string_view mailbox,
                             std::uint32_t uidvalidity, std::uint32_t uid) {
  return imap_mailbox_url(user, host, mailbox, uidvalidity) + "/;UID=" + std::to_string(uid);
}

Event message_new(const Common& c, const MessageNewInfo& m) {
  Event e = make("MessageNew", c);
  json d = base_data(c);
  d["uri"] = imap_message_url(c.user, c.server_fqdn, m.mailbox, m.uidvalidity, m.uid);
  d["mailboxID"] = imap_mailbox_url(c.user, c.server_fqdn, m.mailbox, m.uidvalidity);
  d["messageSize"] = m.size;
  d["envelope"] = m.envelope;
  std::string flags;
  for (const auto& f : m.flags) {
    if (f == "\\Recent" || f == "\\recent") continue;  // RFC 5423 §5: never \Recent
    if (!flags.empty()) flags += ' ';
    flags += f;
  }
  d["flagNames"] = flags;
  finish(d, c, e.time);
  put_if(d, "vnd.zest.messageId", m.message_id);
  put_if(d, "vnd.zest.from", m.from);
  put_if(d, "vnd.zest.subject", m.subject);
  e.data = std::move(d);
  return e;
}

Event quota_event(const Common& c, bool exceeded, std::uint64_t quota, std::uint64_t used) {
  Event e = make(exceeded ? "QuotaExceed" : "QuotaWithin", c);
  json d = base_data(c);
  d["uri"] = server_part(c.user, c.server_fqdn);
  d["diskQuota"] = (quota + 1023) / 1024;  // RFC 5423 §5: kilobytes of 1024 octets
  d["diskUsed"] = (used + 1023) / 1024;
  finish(d, c, e.time);
  e.data = std::move(d);
  return e;
}

Event mailbox_create(const Common& c, std::string_view mailbox, std::uint32_t uidvalidity) {
  Event e = make("MailboxCreate", c);
  json d = base_data(c);
  d["uri"] = imap_mailbox_url(c.user, c.server_fqdn, mailbox, uidvalidity);
  d["mailboxID"] = d["uri"];
  finish(d, c, e.time);
  e.data = std::move(d);
  return e;
}

Event message_refused(const Common& c, bool rejected, std::string_view envelope,
                      std::string_view reason, std::string_view message_id, std::string_view from,
                      std::string_view subject) {
  Event e = make(rejected ? "vnd.zest.MessageRejected" : "vnd.zest.MessageDiscarded", c);
  json d = base_data(c);
  d["uri"] = server_part(c.user, c.server_fqdn);
  d["envelope"] = std::string(envelope);
  if (rejected) d["vnd.zest.reason"] = std::string(reason);
  finish(d, c, e.time);
  put_if(d, "vnd.zest.messageId", message_id);
  put_if(d, "vnd.zest.from", from);
  put_if(d, "vnd.zest.subject", subject);
  e.data = std::move(d);
  return e;
}

Event login(const Common& c, const SessionInfo& s) {
  Event e = make("Login", c);
  json d = base_data(c);
  d["uri"] = "sieve://" + pct_encode(c.user, "&=") + "@" + c.server_fqdn + "/";
  d["serverDomain"] = s.server_domain;
  if (s.server_port > 0) d["serverPort"] = s.server_port;
  d["clientIP"] = s.client_ip;
  if (s.client_port > 0) d["clientPort"] = s.client_port;
  finish(d, c, e.time);
  e.data = std::move(d);
  return e;
}

Event logout(const Common& c, const SessionInfo& s, std::string_view reason) {
  Event e = login(c, s);
  e.type = "Logout";
  e.data["vnd.zest.disconnect"] = std::string(reason);
  return e;
}

Event script_refused(const Common& c, std::string_view script, std::string_view reason) {
  Event e = make("vnd.zest.SieveScriptRefused", c);
  json d = base_data(c);
  d["uri"] = "sieve://" + pct_encode(c.user, "&=") + "@" + c.server_fqdn + "/" +
             pct_encode(script, "&=:@");
  d["vnd.zest.script"] = std::string(script);
  d["vnd.zest.reason"] = std::string(reason);
  finish(d, c, e.time);
  e.data = std::move(d);
  return e;
}

std::string sequence_text(std::int64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(seq));
  return buf;
}

std::string cloudevent_json(const StreamEvent& e, std::string_view source,
                            std::span<const std::string> fields_denied) {
  json data = json::parse(e.data, nullptr, false);
  if (data.is_discarded() || !data.is_object()) data = json::object();
  for (const auto& f : fields_denied) data.erase(f);
  json ce = json::object();
  ce["specversion"] = "1.0";
  ce["id"] = e.id;
  ce["source"] = std::string(source);
  ce["type"] = e.type;
  ce["subject"] = e.user;
  ce["time"] = e.time;
  ce["sequence"] = sequence_text(e.sequence);
  ce["datacontenttype"] = "application/json";
  ce["data"] = std::move(data);
  // Invalid UTF-8 (a raw 8-bit Subject) becomes U+FFFD instead of failing.
  return ce.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace zest::events
