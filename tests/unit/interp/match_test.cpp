// :matches wildcards, escapes and groups (pitfalls §5, §6), and the
// i;ascii-numeric comparator.
#include <gtest/gtest.h>

#include "interp/runtime.hpp"
#include "test_util.hpp"

namespace zest::interp {
namespace {

// The match values after running `src` (the groups of the last successful
// :matches).
std::vector<std::string> groups_after(std::string_view src, std::string_view message) {
  const Program p = testing::compile_ok(src);
  const mail::Message msg{std::string(message)};
  const Envelope env = testing::default_envelope();
  Host host;
  const EngineSettings settings;
  ResultState result;
  Runtime rt(p, msg, env, host, settings, testing::registry(), result);
  Vm vm(rt);
  EXPECT_NE(vm.run(), Vm::Outcome::Failed);
  return rt.match_values();
}

bool matches(std::string_view value, std::string_view pattern_source,
             std::string_view comparator = "i;ascii-casemap") {
  const std::string msg = "X-Value: " + std::string(value) + "\r\n\r\n";
  return testing::test_true("",
                            "header :matches :comparator \"" + std::string(comparator) +
                                "\" \"X-Value\" \"" + std::string(pattern_source) + "\"",
                            msg);
}

TEST(Matches, PigeonholeEscapeCases) {
  EXPECT_TRUE(matches("33333???a", "33333\\\\?\\\\?\\\\??"));
  EXPECT_FALSE(matches("33333???a", "33333\\\\?\\\\?\\\\?"));
  const std::string ten(10, '*');
  std::string p10, p11;
  for (int i = 0; i < 10; ++i) p10 += "\\\\*";
  p11 = p10 + "\\\\*";
  EXPECT_TRUE(matches(ten, p10));
  EXPECT_FALSE(matches(ten, p11));
  EXPECT_TRUE(matches(ten, "\\\\*\\\\*\\\\***\\\\*\\\\*"));
  EXPECT_TRUE(matches("33333???a", "*\\\\?\\\\?\\\\?a"));
  EXPECT_TRUE(matches("stephan+sieve@friep.example.com", "*@fri*p*examp*.com"));
  EXPECT_FALSE(matches("stephan+sieve@friep.example.com", "*@f*pex*mple.com"));
}

TEST(Matches, EscapedBackslash) {
  EXPECT_TRUE(matches("a\\b", "a\\\\\\\\b"));  // Sieve "a\\\\b" is the pattern a\\b
  EXPECT_FALSE(matches("a\\b", "a\\\\\\\\c"));
}

TEST(Matches, EmptyValue) {
  // "X-Value:" with nothing after it.
  auto t = [](std::string_view pattern) {
    return testing::test_true("", "header :matches \"X-Value\" \"" + std::string(pattern) + "\"",
                              "X-Value:\r\n\r\n");
  };
  EXPECT_TRUE(t(""));
  EXPECT_TRUE(t("*"));
  EXPECT_FALSE(t("?"));
}

TEST(Matches, QuestionMarkIsOneOctet) {
  // "é" is two octets in UTF-8: with i;octet "?" matches one octet.
  EXPECT_TRUE(matches("caf\xc3\xa9", "caf??", "i;octet"));
  EXPECT_FALSE(matches("caf\xc3\xa9", "caf?", "i;octet"));
}

TEST(Matches, CaseFolding) {
  EXPECT_TRUE(matches("Hello World", "hello*"));
  EXPECT_FALSE(matches("Hello World", "hello*", "i;octet"));
}

TEST(Matches, ManyStarsDoNotBacktrackExponentially) {
  const std::string value(4000, 'a');
  std::string pattern;
  for (int i = 0; i < 60; ++i) pattern += "*a";
  pattern += "*b";
  EXPECT_FALSE(matches(value, pattern));
}

TEST(MatchGroups, NonGreedyStars) {
  const auto g = groups_after("if header :matches \"Subject\" \"[*] *\" { keep; }",
                              "Subject: [acme-users] [fwd] version 1.0 is out\r\n\r\n");
  ASSERT_GE(g.size(), 3u);
  EXPECT_EQ(g[0], "[acme-users] [fwd] version 1.0 is out");
  EXPECT_EQ(g[1], "acme-users");
  EXPECT_EQ(g[2], "[fwd] version 1.0 is out");
}

TEST(MatchGroups, AdjacentStars) {
  const auto g = groups_after("if address :matches \"From\" \"coyote@**.com\" { keep; }",
                              "From: coyote@ACME.Example.COM\r\n\r\n");
  ASSERT_GE(g.size(), 3u);
  EXPECT_EQ(g[1], "");
  EXPECT_EQ(g[2], "ACME.Example");
}

TEST(MatchGroups, QuestionMarksAreGroups) {
  const auto g =
      groups_after("if header :matches \"Subject\" \"?b*\" { keep; }", "Subject: abcd\r\n\r\n");
  ASSERT_GE(g.size(), 3u);
  EXPECT_EQ(g[1], "a");
  EXPECT_EQ(g[2], "cd");
}

TEST(MatchGroups, FailingMatchKeepsPreviousValues) {
  const auto g = groups_after(
      "if header :matches \"Subject\" \"a*\" { keep; }\n"
      "if header :matches \"Subject\" \"zzz*\" { discard; }\n",
      "Subject: abcd\r\n\r\n");
  ASSERT_GE(g.size(), 2u);
  EXPECT_EQ(g[0], "abcd");
  EXPECT_EQ(g[1], "bcd");
}

TEST(MatchGroups, ShortCircuitedTestSetsNothing) {
  const auto g = groups_after("if anyof (true, header :matches \"Subject\" \"a*\") { keep; }",
                              "Subject: abcd\r\n\r\n");
  EXPECT_TRUE(g.empty());
}

TEST(MatchGroups, FirstMatchingKeyWins) {
  const auto g = groups_after("if header :matches \"Subject\" [\"x*\", \"a*\", \"ab*\"] { keep; }",
                              "Subject: abcd\r\n\r\n");
  ASSERT_GE(g.size(), 2u);
  EXPECT_EQ(g[1], "bcd");
}

// i;ascii-numeric (RFC 4790 §9.1, pitfalls §5).
bool numeric(std::string_view value, std::string_view key, std::string_view match = ":is") {
  const std::string msg = "X-N: " + std::string(value) + "\r\n\r\n";
  return testing::test_true("require \"comparator-i;ascii-numeric\";\n",
                            "header " + std::string(match) +
                                " :comparator \"i;ascii-numeric\" \"X-N\" \"" + std::string(key) +
                                "\"",
                            msg);
}

TEST(AsciiNumeric, LeadingZerosAndTrailingText) {
  EXPECT_TRUE(numeric("0009", "9"));
  EXPECT_TRUE(numeric("9", "0009"));
  EXPECT_TRUE(numeric("42 apples", "42"));
  EXPECT_FALSE(numeric("42", "43"));
  EXPECT_TRUE(numeric("12345678901234567890", "12345678901234567890"));
  EXPECT_FALSE(numeric("12345678901234567890", "12345678901234567891"));
}

TEST(AsciiNumeric, NonNumbersArePositiveInfinity) {
  EXPECT_TRUE(numeric("abc", "xyz"));  // both infinity: equal
  EXPECT_FALSE(numeric("abc", "9"));
  EXPECT_FALSE(numeric("", "0"));
}

TEST(AsciiNumeric, NeedsRequire) {
  const std::string err =
      testing::compile_errors("if header :comparator \"i;ascii-numeric\" \"X-N\" \"1\" { keep; }");
  EXPECT_NE(err, "");
}

// Key lists and header names are read as views of the program's strings,
// with only templates expanded: constants and templates mixed in one list,
// in every position, for header, address, exists and body.
TEST(KeyLists, ConstantsAndTemplatesMixed) {
  const std::string msg =
      "From: Boss <boss@example.com>\r\nX-A: alpha\r\nX-B: beta\r\n\r\nbody text here\r\n";
  const std::string vars =
      "require [\"variables\", \"body\"];\nset \"a\" \"alp\"; set \"n\" \"X-B\";\n";
  auto t = [&](std::string_view test) { return testing::test_true(vars, std::string(test), msg); };
  EXPECT_TRUE(t("header :contains \"X-A\" [\"zzz\", \"${a}ha\"]"));
  EXPECT_TRUE(t("header :contains \"X-A\" [\"${a}ha\", \"zzz\"]"));
  EXPECT_TRUE(t("header :is [\"X-C\", \"${n}\"] [\"x\", \"${a}\", \"beta\"]"));
  EXPECT_FALSE(t("header :is [\"X-C\", \"${n}\"] [\"x\", \"${a}\"]"));
  EXPECT_TRUE(t("exists [\"X-A\", \"${n}\"]"));
  EXPECT_FALSE(t("exists [\"${n}\", \"X-C\"]"));
  EXPECT_TRUE(t("address :domain :is [\"to\", \"from\"] [\"${a}\", \"example.com\"]"));
  EXPECT_TRUE(t("body :text :contains [\"nothing\", \"${a}\", \"TEXT\"]"));
  EXPECT_FALSE(t("body :text :contains [\"nothing\", \"${a}\"]"));
}

}  // namespace
}  // namespace zest::interp
