// RFC 5322 address lists and RFC 5321 envelope paths.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zest::mail {

struct MailAddress {
  std::string local_part;  // quotes dropped unless needed ("S[r]us" keeps them)
  std::string domain;      // as written; "" when none
};

// local@domain, or local when domain is empty.
std::string to_string(const MailAddress& address);

struct AddressList {
  std::vector<MailAddress> addresses;
  bool has_invalid = false;  // some entry was skipped as unparsable
};

// Parses an RFC 5322 address-list (display names, comments, groups, obsolete
// routes). Invalid entries are skipped and flagged. Linear time.
AddressList parse_address_list(std::string_view header_value);

struct EnvelopePath {
  bool null_path = false;  // "<>" or ""
  MailAddress address;
};

// SMTP path: "<user@host>", "user@host", "<>", "", "<MAILER-DAEMON>";
// source routes are dropped. nullopt when unparsable.
std::optional<EnvelopePath> parse_envelope_path(std::string_view path);
// The address of an SMTP path without brackets; "" for the null path or
// an unparsable one.
std::string envelope_address(std::string_view path);

// Parses a bare addr-spec "local@domain" (CFWS allowed), normalising the
// local part; nullopt when invalid. Used to normalise redirect targets.
// With `lenient_dots`, local parts with leading, trailing or doubled dots
// (sent by some mobile carriers) are accepted, as Pigeonhole does for
// envelope and redirect addresses.
std::optional<MailAddress> parse_addr_spec(std::string_view text, bool lenient_dots = false);

// True for a bare RFC 5322 addr-spec "local@domain" (no display name).
bool is_valid_addr_spec(std::string_view text);

// The domain of an address as written: what follows the last '@' ("" when
// there is none).
std::string_view domain_of(std::string_view address);

// The entries of an address list as written (untrimmed), split at the
// commas outside quoted strings and angle brackets; "" gives one empty entry.
std::vector<std::string> split_address_list(std::string_view list);

}  // namespace zest::mail
