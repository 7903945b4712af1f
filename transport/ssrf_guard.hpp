// The guard against server-side request forgery for outgoing HTTP: which
// addresses a request may reach (docs/http-notify.md, "What zest refuses
// to call"), and the one address a request is then pinned to.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip_address.hpp"
#include "base/result.hpp"

namespace zest::transport {

using base::IpAddress;
using base::parse_ip;

// An IP network "10.0.0.0/8", "::1/128", "127.0.0.1" (a host).
struct Cidr {
  IpAddress addr{};  // IPv4 as ::ffff:a.b.c.d
  unsigned prefix = 128;
};
std::optional<Cidr> parse_cidr(std::string_view text);

// Loopback, private, link-local (incl. cloud metadata 169.254.169.254),
// unique-local, multicast, unspecified, CGNAT, reserved.
bool is_internal_address(const IpAddress& ip);
// Whether a resolved address may be contacted: not internal, or in `allow`.
bool address_permitted(const IpAddress& ip, const std::vector<Cidr>& allow);

// Resolves `host` once and returns the address to connect to, as libcurl
// writes it ("192.0.2.1", "[2001:db8::1]"): the first one. Refused when
// any address of the name is not permitted, wherever it comes in the
// answer (a name mixing public and internal addresses is refused as a
// whole, as docs/http-notify.md says).
Result<std::string> permitted_address(const std::string& host, const std::vector<Cidr>& allow);
// The decision of permitted_address over the addresses a lookup gave.
Result<std::string> choose_address(const std::string& host, std::span<const IpAddress> addresses,
                                   const std::vector<Cidr>& allow);

}  // namespace zest::transport
