#include "transport/ssrf_guard.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>
#include <vector>

namespace zest::transport {
namespace {

struct AddrinfoDeleter {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};

bool in(const IpAddress& ip, const Cidr& net) {
  for (unsigned bit = 0; bit < net.prefix; ++bit) {
    const unsigned byte = bit / 8, mask = 0x80u >> (bit % 8);
    if ((ip[byte] & mask) != (net.addr[byte] & mask)) return false;
  }
  return true;
}

std::string ip_text(const IpAddress& ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(ip.data(), kMapped, 12) == 0) {
    inet_ntop(AF_INET, ip.data() + 12, buf, sizeof buf);
    return buf;
  }
  inet_ntop(AF_INET6, ip.data(), buf, sizeof buf);
  return std::string("[") + buf + "]";
}

}  // namespace

std::optional<Cidr> parse_cidr(std::string_view text) {
  Cidr c;
  const auto slash = text.find('/');
  auto ip = parse_ip(text.substr(0, slash));
  if (!ip) return std::nullopt;
  c.addr = *ip;
  const bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  if (slash == std::string_view::npos) return c;
  unsigned p = 0;
  const std::string_view digits = text.substr(slash + 1);
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  for (char ch : digits) {
    if (ch < '0' || ch > '9') return std::nullopt;
    p = p * 10 + static_cast<unsigned>(ch - '0');
  }
  if (p > (v4 ? 32u : 128u)) return std::nullopt;
  c.prefix = v4 ? p + 96 : p;
  return c;
}

bool is_internal_address(const IpAddress& ip) {
  static const std::vector<Cidr> kInternal = [] {
    std::vector<Cidr> v;
    for (const char* n : {"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
                          "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.168.0.0/16",
                          "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128",
                          "fc00::/7", "fe80::/10", "ff00::/8", "64:ff9b::/96", "2001:db8::/32"})
      v.push_back(*parse_cidr(n));
    return v;
  }();
  for (const auto& net : kInternal)
    if (in(ip, net)) return true;
  return false;
}

bool address_permitted(const IpAddress& ip, const std::vector<Cidr>& allow) {
  for (const auto& net : allow)
    if (in(ip, net)) return true;
  return !is_internal_address(ip);
}

Result<std::string> permitted_address(const std::string& host, const std::vector<Cidr>& allow) {
  using R = Result<std::string>;
  if (auto ip = parse_ip(host)) {
    if (!address_permitted(*ip, allow))
      return R::failure("refused: " + host +
                        " is an internal address (not in [notify.http] allow)");
    return ip_text(*ip);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res); rc != 0)
    return R::failure("cannot resolve " + host + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, AddrinfoDeleter> guard(res);
  std::vector<IpAddress> addresses;
  for (addrinfo* a = res; a; a = a->ai_next) {
    IpAddress ip{};
    if (a->ai_family == AF_INET) {
      ip[10] = ip[11] = 0xff;
      std::memcpy(ip.data() + 12, &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr, 4);
    } else if (a->ai_family == AF_INET6) {
      std::memcpy(ip.data(), &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    addresses.push_back(ip);
  }
  return choose_address(host, addresses, allow);
}

Result<std::string> choose_address(const std::string& host, std::span<const IpAddress> addresses,
                                   const std::vector<Cidr>& allow) {
  using R = Result<std::string>;
  // A name with any address that is not permitted is refused as a whole,
  // wherever in the answer it comes: the next lookup may order it first,
  // and a client trying addresses in turn would reach it.
  for (const IpAddress& ip : addresses)
    if (!address_permitted(ip, allow))
      return R::failure("refused: " + host + " resolves to internal address " + ip_text(ip) +
                        " (not in [notify.http] allow)");
  if (addresses.empty()) return R::failure("cannot resolve " + host + ": no IPv4 or IPv6 address");
  return ip_text(addresses.front());
}

}  // namespace zest::transport
