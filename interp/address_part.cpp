#include "interp/address_part.hpp"

#include <array>

namespace zest::interp {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The value of a quoted local part without its quotes and escapes
// (RFC 5322 §3.2.4: they are not part of the value).
std::string unquote(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return std::string(s);
  std::string out;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    if (s[i] == '\\' && i + 2 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

}  // namespace

std::optional<std::string> address_part(AddressPart part, const mail::MailAddress& a,
                                        const EngineSettings& settings) {
  switch (part) {
    case AddressPart::All:
      return mail::to_string(a);
    case AddressPart::LocalPart:
      return unquote(a.local_part);
    case AddressPart::Domain:
      return a.domain;
    case AddressPart::User:
    case AddressPart::Detail: {
      const std::string local = unquote(a.local_part);
      const std::string delims = settings.value("recipient_delimiter", "+");
      std::size_t pos = std::string::npos;
      for (char d : delims) pos = std::min(pos, local.find(d));
      if (part == AddressPart::User) return local.substr(0, pos);
      if (pos == std::string::npos) return std::nullopt;
      return local.substr(pos + 1);
    }
  }
  return std::nullopt;
}

bool is_address_header(std::string_view name) {
  static constexpr std::array<std::string_view, 22> kHeaders = {"from",
                                                                "to",
                                                                "cc",
                                                                "bcc",
                                                                "sender",
                                                                "resent-from",
                                                                "resent-to",
                                                                "resent-cc",
                                                                "resent-bcc",
                                                                "resent-sender",
                                                                "reply-to",
                                                                "resent-reply-to",
                                                                "errors-to",
                                                                "delivered-to",
                                                                "x-original-to",
                                                                "return-receipt-to",
                                                                "disposition-notification-to",
                                                                "envelope-to",
                                                                "x-envelope-to",
                                                                "return-path",
                                                                "mail-followup-to",
                                                                "mail-reply-to"};
  for (auto h : kHeaders)
    if (iequals(h, name)) return true;
  return false;
}

void address_values(AddressPart part, std::string_view header_value, const EngineSettings& settings,
                    std::vector<std::string>& out) {
  address_values(part, header_value, mail::parse_address_list(header_value), settings, out);
}

void address_values(AddressPart part, std::string_view header_value,
                    const mail::AddressList& list, const EngineSettings& settings,
                    std::vector<std::string>& out) {
  if (list.addresses.empty()) {
    // A list with no valid address still matches as a whole with :all,
    // never with :localpart/:domain (RFC 5228 §2.7.4, as Pigeonhole does).
    // Valid members of a partly invalid list match on their own.
    if (part == AddressPart::All) {
      const auto b = header_value.find_first_not_of(" \t");
      const auto e = header_value.find_last_not_of(" \t");
      out.emplace_back(b == std::string_view::npos ? std::string_view()
                                                   : header_value.substr(b, e - b + 1));
    }
    return;
  }
  for (const auto& a : list.addresses)
    if (auto v = address_part(part, a, settings)) out.push_back(std::move(*v));
}

}  // namespace zest::interp
