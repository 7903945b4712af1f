// draft-murchison-sieve-regex: the :regex match type, its match variables
// and :quoteregex.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace zest::interp
