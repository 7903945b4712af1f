#include "interp/address_part.hpp"

#include <array>

#include "base/text.hpp"

namespace zest::interp {
namespace {

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
  static constexpr std::array<std::string_view, 36> kHeaders = {
      "from", "to", "cc", "bcc", "sender", "resent-from", "resent-to", "resent-cc", "resent-bcc",
      "resent-sender", "reply-to", "resent-reply-to", "errors-to", "delivered-to", "x-original-to",
      "return-receipt-to", "disposition-notification-to", "envelope-to", "x-envelope-to",
      "return-path", "mail-followup-to", "mail-reply-to",
      // The rest of Pigeonhole 2.4's list (RFC 2076 and undocumented ones).
      "for-approval", "for-handling", "for-comment", "apparently-to", "x-admin", "read-receipt-to",
      "x-confirm-reading-to", "return-receipt-requested", "registered-mail-reply-requested-by",
      "abuse-reports-to", "x-complaints-to", "x-report-abuse-to", "x-beenthere", "x-original-from"};
  for (auto h : kHeaders)
    if (base::iequals(h, name)) return true;
  return false;
}

void address_values(AddressPart part, std::string_view header_value, const EngineSettings& settings,
                    std::vector<std::string>& out) {
  address_values(part, header_value, mail::parse_address_list(header_value), settings, out);
}

void address_values(AddressPart part, std::string_view header_value, const mail::AddressList& list,
                    const EngineSettings& settings, std::vector<std::string>& out) {
  if (list.addresses.empty()) {
    // A list with no valid address still matches as a whole with :all,
    // never with :localpart/:domain (RFC 5228 §2.7.4, as Pigeonhole does).
    // Valid members of a partly invalid list match on their own.
    if (part == AddressPart::All) {
      out.emplace_back(base::trim(header_value, " \t"));
    }
    return;
  }
  for (const auto& a : list.addresses)
    if (auto v = address_part(part, a, settings)) out.push_back(std::move(*v));
}

}  // namespace zest::interp
