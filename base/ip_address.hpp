// IP addresses in one 16-byte form (IPv4 as ::ffff:a.b.c.d), so a URI
// check and an address policy see IPv4 and IPv6 the same way.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace zest::base {

using IpAddress = std::array<std::uint8_t, 16>;

// A textual IPv4 or IPv6 address (no brackets, no zone); nullopt otherwise.
std::optional<IpAddress> parse_ip(std::string_view text);

}  // namespace zest::base
