// :contains with the inlined fast paths of match_contains (i;octet via
// string_view::find, i;ascii-casemap via Boyer-Moore-Horspool over folded
// octets on values of 64 octets and more), checked against a plain scan.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "interp/comparator.hpp"

namespace zest::interp {
namespace {

bool reference(const Comparator& c, std::string_view v, std::string_view k) {
  if (k.empty()) return true;
  for (std::size_t i = 0; i + k.size() <= v.size(); ++i) {
    std::size_t j = 0;
    while (j < k.size() &&
           c.fold(static_cast<unsigned char>(v[i + j])) == c.fold(static_cast<unsigned char>(k[j])))
      ++j;
    if (j == k.size()) return true;
  }
  return false;
}

TEST(Contains, LongValuesCasemap) {
  const std::string body = std::string(200, 'x') + "Verify Your ACCOUNT now" + std::string(50, 'y');
  const Comparator& c = ascii_casemap_comparator();
  EXPECT_TRUE(match_contains(c, body, "verify your account"));
  EXPECT_TRUE(match_contains(c, body, "NOW"));
  EXPECT_TRUE(match_contains(c, body, "xv"));
  EXPECT_TRUE(match_contains(c, body, "y"));
  EXPECT_FALSE(match_contains(c, body, "verify your accounts"));
  EXPECT_FALSE(match_contains(c, body, "z"));
  EXPECT_FALSE(match_contains(octet_comparator(), body, "verify"));
  EXPECT_TRUE(match_contains(octet_comparator(), body, "ACCOUNT"));
  // A key at the very start and the very end.
  EXPECT_TRUE(match_contains(c, body, std::string(3, 'X')));
  EXPECT_TRUE(match_contains(c, body, "now" + std::string(50, 'Y')));
  // Octets above 0x7f are not folded.
  const std::string hi = std::string(100, 'a') + "\xC3\x89t\xC3\xA9";
  EXPECT_TRUE(match_contains(c, hi, "\xC3\x89T\xC3\xA9"));
  EXPECT_FALSE(match_contains(c, hi, "\xC3\xA9t\xC3\xA9"));
}

TEST(Contains, AgreesWithAPlainScan) {
  std::mt19937 rng(5228);
  const std::string alphabet = "aAbB\xC3\xA9 ";
  auto random_string = [&](std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
    return s;
  };
  for (int round = 0; round < 2000; ++round) {
    const std::string v = random_string(rng() % 300);
    std::string k = random_string(1 + rng() % 6);
    if (round % 3 == 0 && v.size() > 10) k = v.substr(rng() % (v.size() - 5), 1 + rng() % 5);
    for (const Comparator* c : {&ascii_casemap_comparator(), &octet_comparator()})
      ASSERT_EQ(match_contains(*c, v, k), reference(*c, v, k))
          << c->name << " '" << v << "' '" << k << "'";
  }
}

}  // namespace
}  // namespace zest::interp
