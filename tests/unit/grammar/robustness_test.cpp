// Hostile inputs must give errors, never a crash, hang or deep recursion.
#include <chrono>

#include "tests/unit/grammar/test_util.hpp"

namespace zest::grammar {
namespace {

using testing::diag_text;

constexpr std::size_t kTenMb = 10u << 20;

// Generous bound: catches quadratic behaviour, not micro-regressions.
// No timing threshold here (the machine may be loaded): a hang is caught
// by ctest's timeout, unbounded work by the error bound.
void expect_quick_errors(const std::string& src) {
  auto r = parse(src);
  EXPECT_TRUE(r.diags.has_errors());
  EXPECT_LE(r.diags.error_count(), ParseLimits{}.max_errors);
}

TEST(Robustness, TenMegabytesOfOpenBraces) {
  expect_quick_errors(std::string(kTenMb, '{'));
}
TEST(Robustness, TenMegabytesOfOpenParens) {
  expect_quick_errors(std::string(kTenMb, '('));
}
TEST(Robustness, TenMegabytesOfOpenBrackets) {
  expect_quick_errors(std::string(kTenMb, '['));
}
TEST(Robustness, TenMegabytesOfNul) {
  expect_quick_errors(std::string(kTenMb, '\0'));
}
TEST(Robustness, TenMegabytesOfInvalidUtf8) {
  expect_quick_errors(std::string(kTenMb, '\xff'));
}
TEST(Robustness, TenMegabytesOfQuotes) {
  expect_quick_errors(std::string(kTenMb + 1, '"'));
}

TEST(Robustness, DeepIfBlocks) {
  std::string s;
  for (std::size_t i = 0; i < 1'000'000; ++i) s += "if true {";
  expect_quick_errors(s);
  auto r = parse(s);
  EXPECT_NE(diag_text(r).find("too deeply nested"), std::string::npos) << diag_text(r);
}

TEST(Robustness, DeepNot) {
  std::string s = "if ";
  for (std::size_t i = 0; i < 1'000'000; ++i) s += "not ";
  s += "true {}";
  auto r = parse(s);
  ASSERT_EQ(r.diags.error_count(), 1u);
  EXPECT_EQ(r.diags.all()[0].message, "too deeply nested");
  EXPECT_EQ(r.diags.all()[0].loc.column, 4u + 4u * 64u);  // the 65th level
}

TEST(Robustness, DeepAnyof) {
  std::string s = "if ";
  for (std::size_t i = 0; i < 1'000'000; ++i) s += "anyof(";
  s += "true";
  auto r = parse(s);
  ASSERT_EQ(r.diags.error_count(), 1u) << diag_text(r);
  EXPECT_EQ(r.diags.all()[0].message, "too deeply nested");
}

TEST(Robustness, NestingLimitIsExact) {
  // "if" + 63 nested tests: depth 64 is allowed, 65 is not.
  auto script = [](int nots) {
    std::string s = "if ";
    for (int i = 0; i < nots; ++i) s += "not ";
    return s + "true {}";
  };
  EXPECT_FALSE(parse(script(63)).diags.has_errors());
  EXPECT_TRUE(parse(script(64)).diags.has_errors());
  // Blocks: each '{' is a level.
  auto blocks = [](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += "x {";
    s += "stop;";
    for (int i = 0; i < n; ++i) s += "}";
    return s;
  };
  EXPECT_FALSE(parse(blocks(64)).diags.has_errors());
  EXPECT_TRUE(parse(blocks(65)).diags.has_errors());
  EXPECT_FALSE(parse(blocks(10), ParseLimits{.max_nesting = 10}).diags.has_errors());
  EXPECT_TRUE(parse(blocks(11), ParseLimits{.max_nesting = 10}).diags.has_errors());
}

TEST(Robustness, KeepsCommandsBeforeTooDeepNesting) {
  std::string s = "keep;\n";
  for (int i = 0; i < 100; ++i) s += "if true {";
  auto r = parse(s);
  ASSERT_EQ(r.script.commands.size(), 1u);
  EXPECT_EQ(r.script.commands[0].identifier, "keep");
}

TEST(Robustness, UnterminatedTextAtEnd) {
  std::string s = "x text:\n" + std::string(kTenMb, 'a');
  expect_quick_errors(s);
  expect_quick_errors("x text:\n" + std::string(1'000'000, '\n'));
}

TEST(Robustness, UnterminatedCommentAndString) {
  expect_quick_errors("x /*" + std::string(kTenMb, '*'));
  expect_quick_errors("x \"" + std::string(kTenMb, '\\'));
}

TEST(Robustness, ManyTinyErrors) {
  std::string s;
  for (std::size_t i = 0; i < 1'000'000; ++i) s += "} ";
  expect_quick_errors(s);
}

}  // namespace
}  // namespace zest::grammar
