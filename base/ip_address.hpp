// IP addresses in one 16-byte form (IPv4 as ::ffff:a.b.c.d), so a URI
// check and an address policy see IPv4 and IPv6 the same way.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zest::base {

using IpAddress = std::array<std::uint8_t, 16>;

// A textual IPv4 or IPv6 address (no brackets, no zone); nullopt otherwise.
std::optional<IpAddress> parse_ip(std::string_view text);

// The key under which a client address is counted (failed logins,
// connections): an IPv4 address itself, an IPv6 address cut to its first
// `ipv6_prefix` bits ("2001:db8:1:2::/64"), since one IPv6 client usually
// holds a whole /64. Text that is no address is its own key.
std::string address_group(std::string_view address, unsigned ipv6_prefix);

}  // namespace zest::base
