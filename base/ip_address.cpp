#include "base/ip_address.hpp"

#include <arpa/inet.h>

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

}  // namespace zest::base
