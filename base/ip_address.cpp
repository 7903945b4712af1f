#include "base/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace zest::base {

std::optional<IpAddress> parse_ip(std::string_view text) {
  IpAddress out{};
  const std::string s(text);
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

std::string address_group(std::string_view address, unsigned ipv6_prefix) {
  auto ip = parse_ip(address);
  if (!ip) return std::string(address);
  const bool v4 = std::all_of(ip->begin(), ip->begin() + 10, [](auto b) { return b == 0; }) &&
                  (*ip)[10] == 0xff && (*ip)[11] == 0xff;
  if (v4) return std::string(address);
  const unsigned bits = std::min(ipv6_prefix, 128u);
  for (unsigned i = 0; i < 16; ++i) {
    const unsigned keep = bits > i * 8 ? std::min(bits - i * 8, 8u) : 0;
    (*ip)[i] &= static_cast<std::uint8_t>(keep == 8 ? 0xff : (0xff00 >> keep) & 0xff);
  }
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, ip->data(), text, sizeof text);
  return std::string(text) + "/" + std::to_string(bits);
}

}  // namespace zest::base
