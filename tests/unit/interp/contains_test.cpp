// :contains with the inlined fast paths of match_contains (i;octet via
// string_view::find, i;ascii-casemap via the SSE2 first/last-octet filter
// or, portably, Boyer-Moore-Horspool over folded octets on values of 64
// octets and more), checked against a plain scan.
#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <string>
#include <utility>
#include <vector>

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

// Every i;ascii-casemap search there is: the one match_contains uses and
// each implementation on its own.
std::vector<std::pair<const char*, bool (*)(std::string_view, std::string_view)>> searches() {
  std::vector<std::pair<const char*, bool (*)(std::string_view, std::string_view)>> out = {
      {"match_contains",
       [](std::string_view v, std::string_view k) {
         return match_contains(ascii_casemap_comparator(), v, k);
       }},
      {"scalar", contains_casemap_scalar}};
#if defined(__SSE2__)
  out.emplace_back("sse2", contains_casemap_sse2);
#endif
  return out;
}

TEST(Contains, CasemapEdgeCases) {
  for (auto [name, search] : searches()) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(search("", ""));
    EXPECT_TRUE(search("abc", ""));
    EXPECT_FALSE(search("", "a"));
    EXPECT_FALSE(search("abc", "abcd"));  // key longer than the value
    EXPECT_FALSE(search(std::string(40, 'a'), std::string(41, 'A')));
    EXPECT_TRUE(search(std::string(40, 'a'), std::string(40, 'A')));
    EXPECT_TRUE(search("ABC", "abc"));
    // Octets that differ from a letter only in bit 5 are not letters.
    EXPECT_FALSE(search(std::string(40, '@'), "`"));
    EXPECT_FALSE(search(std::string(40, '['), "{"));
    EXPECT_FALSE(search(std::string(40, '\xC9'), "\xE9"));  // not folded above 0x7f
    EXPECT_TRUE(search(std::string(40, 'x') + "\xC9t\xE9", "\xC9T\xE9"));
    EXPECT_TRUE(
        search(std::string(40, 'x') + std::string(1, '\0') + "z", std::string(1, '\0') + "Z"));
    // A key longer than Horspool's table.
    const std::string long_key(300, 'q');
    EXPECT_TRUE(search(std::string(10, 'a') + long_key + "b", long_key));
    EXPECT_FALSE(search(std::string(10, 'a') + long_key.substr(1) + "b", long_key));
  }
}

// The key at every offset of values of every length up to 80 (each
// alignment of the 16-octet blocks and the scalar tail), and a near miss
// (its last octet changed) at each of them.
TEST(Contains, CasemapEveryOffset) {
  for (const std::string key : {"s", "Ab", "% off", "verify your account", "x7z9x7z9x7z9x7z9x"}) {
    for (std::size_t len = 0; len <= 80; ++len) {
      for (std::size_t at = 0; at + key.size() <= len; ++at) {
        std::string v(len, '.');
        std::string up = key;
        for (char& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        v.replace(at, key.size(), up);
        std::string miss = v;
        miss[at + key.size() - 1] = '#';
        for (auto [name, search] : searches()) {
          ASSERT_TRUE(search(v, key)) << name << " '" << key << "' at " << at << " of " << len;
          ASSERT_FALSE(search(miss, key)) << name << " '" << key << "' at " << at << " of " << len;
        }
      }
      for (auto [name, search] : searches())
        ASSERT_EQ(search(std::string(len, '.'), key), false) << name;
    }
  }
}

TEST(Contains, CasemapAgreesWithAPlainScanOnRandomInput) {
  std::mt19937 rng(4790);
  const std::string alphabet = "aAzZ@`\x80\xC1\xE1 ";
  auto random_string = [&](std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
    return s;
  };
  const Comparator& c = ascii_casemap_comparator();
  for (int round = 0; round < 3000; ++round) {
    const std::string v = random_string(rng() % 200);
    std::string k = random_string(1 + rng() % 20);
    if (round % 2 == 0 && v.size() > 25) k = v.substr(rng() % (v.size() - 20), 1 + rng() % 20);
    const bool expected = reference(c, v, k);
    for (auto [name, search] : searches())
      ASSERT_EQ(search(v, k), expected) << name << " '" << v << "' '" << k << "'";
  }
}

}  // namespace
}  // namespace zest::interp
