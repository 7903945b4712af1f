// Address parts (RFC 5228 §2.7.4, RFC 5233 :user/:detail) applied to
// parsed addresses, shared by the address and envelope tests.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "interp/registry.hpp"
#include "interp/settings.hpp"
#include "mail/address.hpp"

namespace zest::interp {

// The part of one address, or nullopt when it has no such part (e.g. no
// detail without a separator).
std::optional<std::string> address_part(AddressPart part, const mail::MailAddress& a,
                                        const EngineSettings& settings);

// Headers the address test may be used on (RFC 5228 §5.1 and common ones).
bool is_address_header(std::string_view name);

// The values an address test compares for one header value.
void address_values(AddressPart part, std::string_view header_value, const EngineSettings& settings,
                    std::vector<std::string>& out);
// The same with the value already parsed (mail::Message::addresses).
void address_values(AddressPart part, std::string_view header_value, const mail::AddressList& list,
                    const EngineSettings& settings, std::vector<std::string>& out);

}  // namespace zest::interp
