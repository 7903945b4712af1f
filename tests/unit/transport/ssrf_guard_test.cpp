// The SSRF guard: which addresses are internal, the allow list, and the
// address a checked endpoint is pinned to (IP literals: no DNS needed).
#include "transport/ssrf_guard.hpp"

#include <gtest/gtest.h>

#include "transport/http_client.hpp"

namespace zest::transport {
namespace {

TEST(Ssrf, Classification) {
  for (const char* internal :
       {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "224.0.0.1"})
    EXPECT_TRUE(is_internal_address(*parse_ip(internal))) << internal;
  for (const char* pub : {"93.184.216.34", "2606:2800:220:1::1", "8.8.8.8"})
    EXPECT_FALSE(is_internal_address(*parse_ip(pub))) << pub;
  const std::vector<Cidr> allow{*parse_cidr("127.0.0.1/32")};
  EXPECT_TRUE(address_permitted(*parse_ip("127.0.0.1"), allow));
  EXPECT_FALSE(address_permitted(*parse_ip("127.0.0.2"), allow));
  EXPECT_FALSE(parse_cidr("10.0.0.0/33"));
}

TEST(Ssrf, RangeEdges) {
  for (const char* internal :
       {"172.31.255.255", "100.127.255.255", "198.19.0.1", "240.0.0.1", "255.255.255.255",
        "fc00::1", "febf::1", "ff02::1", "::", "64:ff9b::a00:1", "2001:db8::1", "192.0.0.8"})
    EXPECT_TRUE(is_internal_address(*parse_ip(internal))) << internal;
  for (const char* pub : {"172.32.0.1", "100.128.0.1", "198.20.0.1", "11.0.0.1", "192.0.1.1",
                          "fec0::1", "2001:db9::1", "1.1.1.1"})
    EXPECT_FALSE(is_internal_address(*parse_ip(pub))) << pub;
}

TEST(Ssrf, CidrForms) {
  auto host = parse_cidr("10.20.30.40");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->prefix, 128u);  // one host
  auto v4 = parse_cidr("10.20.0.0/16");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->prefix, 96u + 16u);  // IPv4 sits in the last 32 bits
  EXPECT_TRUE(address_permitted(*parse_ip("10.20.255.1"), {*v4}));
  EXPECT_FALSE(address_permitted(*parse_ip("10.21.0.1"), {*v4}));
  auto v6 = parse_cidr("fd00::/8");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(address_permitted(*parse_ip("fd12::1"), {*v6}));
  EXPECT_FALSE(address_permitted(*parse_ip("fc00::1"), {*v6}));
  for (const char* bad :
       {"10.0.0.0/", "10.0.0.0/a", "::/129", "10.0.0/8", "host/8", "1.2.3.4/0008"})
    EXPECT_FALSE(parse_cidr(bad)) << bad;
}

TEST(Ssrf, PermittedAddressOfALiteral) {
  auto refused = permitted_address("127.0.0.1", {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(),
            "refused: 127.0.0.1 is an internal address (not in [notify.http] allow)");
  auto allowed = permitted_address("127.0.0.1", {*parse_cidr("127.0.0.0/8")});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(*allowed, "127.0.0.1");
  auto v6 = permitted_address("::1", {*parse_cidr("::1/128")});
  ASSERT_TRUE(v6);
  EXPECT_EQ(*v6, "[::1]");
}

TEST(HttpEndpoint, GuardedIsPinned) {
  EndpointPolicy guarded;
  guarded.allow_http = true;
  auto refused = http_endpoint("http://127.0.0.1:8080/hook", guarded);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("refused"), std::string::npos);
  guarded.allow = {*parse_cidr("127.0.0.1/32")};
  auto e = http_endpoint("http://127.0.0.1:8080/hook", guarded);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->scheme, "http");
  EXPECT_EQ(e->pin, "");  // a literal is connected to as written
  // Issue 15.6: an IP literal needs no pin (libcurl does not look it up),
  // and "::1:443:[::1]" is no entry libcurl can parse: it fails the whole
  // transfer (CURLE_SETOPT_OPTION_SYNTAX).
  guarded.allow = {*parse_cidr("::1/128")};
  e = http_endpoint("https://[::1]/x", guarded);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->pin, "");
  EXPECT_EQ(e->url, "https://[::1]/x");
  EXPECT_FALSE(http_endpoint("https://[fd00::1]/x", guarded));  // still checked
}

// Issue 15.6: a name that resolves to public and internal addresses is
// refused whatever the order of the answer (it was accepted when a
// permitted address came first).
TEST(Ssrf, NamesMixingPublicAndInternalAddressesAreRefused) {
  const IpAddress pub = *parse_ip("93.184.216.34"), v6pub = *parse_ip("2606:2800:220:1::10");
  const IpAddress meta = *parse_ip("169.254.169.254"), lo6 = *parse_ip("::1");
  for (const auto& list :
       {std::vector<IpAddress>{pub, meta}, std::vector<IpAddress>{meta, pub},
        std::vector<IpAddress>{v6pub, lo6}, std::vector<IpAddress>{pub, v6pub, lo6}}) {
    auto r = choose_address("mixed.example", list, {});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("refused: mixed.example resolves to internal address"),
              std::string::npos);
  }
  auto ok = choose_address("public.example", std::vector<IpAddress>{v6pub, pub}, {});
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, "[2606:2800:220:1::10]");
  EXPECT_TRUE(choose_address("x", std::vector<IpAddress>{pub, lo6}, {*parse_cidr("::1/128")}));
  EXPECT_FALSE(choose_address("x", std::vector<IpAddress>{}, {}));
}

TEST(HttpEndpoint, UnguardedIsNotResolvedAndSchemeIsChecked) {
  EndpointPolicy sink;
  sink.allow_http = true;
  sink.guard = false;
  auto e = http_endpoint("http://10.0.0.5:8080/events", sink);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->pin, "");
  EXPECT_EQ(e->url, "http://10.0.0.5:8080/events");
  EXPECT_FALSE(http_endpoint("ftp://10.0.0.5/", sink));
  EndpointPolicy https_only;
  https_only.guard = false;
  auto plain = http_endpoint("http://hooks.example.net/", https_only);
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error(), "http: URIs are not allowed (only https:)");
}

}  // namespace
}  // namespace zest::transport
