// draft-murchison-sieve-regex: the :regex match type, its match variables
// and :quoteregex.
#include <gtest/gtest.h>

#include "interp/cpu_budget.hpp"
#include "interp/ext/regex.hpp"
#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::describe;
using testing::run;
using testing::test_true;
using V = std::vector<std::string>;

constexpr std::string_view kReq = "require [\"regex\", \"variables\", \"fileinto\"];\n";

TEST(ExtRegex, DraftExamples) {
  // §3 examples.
  const std::string script = std::string(kReq) +
                             "if address :regex :comparator \"i;ascii-casemap\" \"from\" [\n"
                             "    \"stephan(\\\\+.*)?@it\\\\.example\\\\.com\",\n"
                             "    \"stephan(\\\\+.*)?@friep\\\\.example\\\\.com\"] {\n"
                             "  fileinto \"stephan\";\n}\n";
  EXPECT_EQ(describe(run(script, "From: Stephan+sieve@Friep.Example.com\r\n\r\nx\r\n")),
            V{"fileinto stephan"});
  EXPECT_TRUE(run(script, "From: stephan@example.com\r\n\r\nx\r\n").actions.empty());
}

TEST(ExtRegex, MatchVariables) {
  const auto out = run(std::string(kReq) +
                       "if header :regex \"subject\" \"^I (have) a (present)( for me)?\" {\n"
                       "  fileinto \"${0}|${1}|${2}|${3}\";\n}\n");
  EXPECT_EQ(describe(out), V{"fileinto I have a present|have|present|"});
}

TEST(ExtRegex, ComparatorSelectsCaseSensitivity) {
  const std::string req(kReq);
  EXPECT_TRUE(test_true(req, "header :regex \"subject\" \"PRESENT\""));
  EXPECT_FALSE(test_true(req, "header :regex :comparator \"i;octet\" \"subject\" \"PRESENT\""));
  EXPECT_TRUE(test_true(req, "header :regex :comparator \"i;octet\" \"subject\" \"present\""));
}

TEST(ExtRegex, InvalidConstantPatternIsACompileError) {
  EXPECT_NE(testing::compile_errors(std::string(kReq) + "if header :regex \"to\" \"a(\" {}"), "");
  EXPECT_NE(testing::compile_errors(std::string(kReq) + "if header :regex \"to\" \"[]x\" {}"), "");
  EXPECT_NE(
      testing::compile_errors("require [\"regex\", \"comparator-i;ascii-numeric\"];\n"
                              "if header :regex :comparator \"i;ascii-numeric\" \"to\" \"1\" {}"),
      "");
  EXPECT_NE(testing::compile_errors("if header :regex \"to\" \"a\" {}"), "");
}

TEST(ExtRegex, InvalidRuntimePatternMatchesNothing) {
  const auto out = run(std::string(kReq) +
                       "set \"re\" \"[\";\n"
                       "if header :regex \"subject\" \"${re}\" { fileinto \"bad\"; }\n");
  EXPECT_EQ(out.status, RunOutput::Status::Ok);
  EXPECT_TRUE(out.actions.empty());
}

TEST(ExtRegex, QuoteRegex) {
  EXPECT_EQ(quote_regex("a.b*c[d]$"), "a\\.b\\*c\\[d\\]\\$");
  const auto out = run(std::string(kReq) +
                       "set :quoteregex \"q\" \"a.b\";\n"
                       "if string :regex \"xa.by\" \"${q}\" { fileinto \"${q}\"; }\n"
                       "if string :regex \"aXb\" \"${q}\" { fileinto \"wrong\"; }\n");
  EXPECT_EQ(describe(out), V{"fileinto a\\.b"});
}

// [sieve] max_cpu_time: a match is charged its worst case before it runs,
// so the verdict does not depend on the machine's speed.
TEST(CpuTimeLimit, RegexMatchOverTheBudgetIsARuntimeError) {
  EngineSettings s;
  s.max_cpu_time = std::chrono::milliseconds(1);
  // 200 KB subject × a program of a few instructions ≫ 1 ms at 1 ns/step.
  const std::string script =
      "require [\"regex\", \"variables\"];\n"
      "set \"s\" \"" +
      std::string(200'000, 'a') +
      "\";\n"
      "if string :regex \"${s}\" \"(a|b)+c\" { discard; }\n";
  s.values["variables_max_variable_size"] = "300000";
  const RunOutput out = run(script, testing::kMessage, s);
  ASSERT_EQ(out.status, RunOutput::Status::RuntimeError);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_NE(out.errors[0].find("line 3: execution exceeded the CPU time limit (1 ms)"),
            std::string::npos)
      << out.errors[0];
  EXPECT_TRUE(out.implicit_keep);

  s.max_cpu_time = std::chrono::milliseconds(0);  // unlimited
  EXPECT_EQ(run(script, testing::kMessage, s).status, RunOutput::Status::Ok);
}

TEST(CpuTimeLimit, SmallMatchesFitTheDefaultBudget) {
  EXPECT_EQ(run("require \"regex\"; if header :regex \"subject\" \"^(.*)$\" { keep; }",
                testing::kMessage, EngineSettings{})
                .status,
            RunOutput::Status::Ok);
}

TEST(CpuTimeLimit, ParsesPigeonholeDurations) {
  using std::chrono::milliseconds;
  EXPECT_EQ(parse_cpu_time("2"), milliseconds(2000));
  EXPECT_EQ(parse_cpu_time("30s"), milliseconds(30000));
  EXPECT_EQ(parse_cpu_time("500ms"), milliseconds(500));
  EXPECT_EQ(parse_cpu_time("2m"), milliseconds(120000));
  EXPECT_FALSE(parse_cpu_time(""));
  EXPECT_FALSE(parse_cpu_time("s"));
  EXPECT_FALSE(parse_cpu_time("5 hours"));
  EXPECT_FALSE(parse_cpu_time("-1"));
}

TEST(CpuTimeLimit, ChargesAddUp) {
  CpuBudget b(std::chrono::milliseconds(10));
  EXPECT_FALSE(b.exceeded());
  b.charge(std::chrono::milliseconds(6));
  EXPECT_FALSE(b.exceeded());
  EXPECT_TRUE(b.exceeded(std::chrono::milliseconds(6)));
  b.charge(std::chrono::milliseconds(6));
  EXPECT_TRUE(b.exceeded());
  EXPECT_FALSE(CpuBudget(std::chrono::milliseconds(0)).exceeded(std::chrono::hours(1)));
  EXPECT_EQ(regex_match_cost(10, 99), std::chrono::nanoseconds(1000));
}

}  // namespace
}  // namespace zest::interp
