// RFC 5229 variables: the examples of the RFC and the pitfalls of §6.
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::compile_errors;
using testing::describe;
using testing::run;
using V = std::vector<std::string>;

constexpr std::string_view kReq = "require [\"variables\", \"fileinto\"];\n";

// The mailbox a script files into (the value of interest, via fileinto).
std::string filed(std::string_view body, std::string_view message = testing::kMessage,
                  const EngineSettings& settings = {}) {
  const RunOutput out = run(std::string(kReq) + std::string(body), message, settings);
  for (const auto& a : out.actions)
    if (const auto* f = std::get_if<FileintoAction>(&a)) return f->mailbox;
  return "<none>";
}

TEST(Variables, RfcSyntaxExamples) {
  EXPECT_EQ(filed("set \"company\" \"ACME\"; fileinto \"[${full}]\";"), "[]");
  EXPECT_EQ(filed("set \"company\" \"ACME\"; fileinto \"${company}\";"), "ACME");
  EXPECT_EQ(filed("set \"company\" \"ACME\"; fileinto \"${BAD${Company}\";"), "${BADACME");
  EXPECT_EQ(filed("set \"company\" \"ACME\"; fileinto \"${President, ${Company} Inc.}\";"),
            "${President, ACME Inc.}");
}

TEST(Variables, SinglePass) {
  EXPECT_EQ(filed("set \"a\" \"x\"; set \"s\" \"$\"; fileinto \"${s}{a}\";"), "${a}");
}

TEST(Variables, NamesAreCaseInsensitive) {
  EXPECT_EQ(filed("set \"VeRyLoNg\" \"v\"; fileinto \"${verylong}${VERYLONG}\";"), "vv");
}

TEST(Variables, Modifiers) {
  EXPECT_EQ(filed("set :upperfirst :lower \"b\" \"juMBlEd lETteRS\"; fileinto \"${b}\";"),
            "Jumbled letters");
  EXPECT_EQ(filed("set :lower :upperfirst \"b\" \"juMBlEd\"; fileinto \"${b}\";"), "Jumbled");
  EXPECT_EQ(filed("set :length \"b\" \"juMBlEd lETteRS\"; fileinto \"${b}\";"), "15");
  EXPECT_EQ(filed("set :quotewildcard \"b\" \"Rock*\"; fileinto \"${b}\";"), "Rock\\*");
  // :length counts characters, not octets; it is applied last.
  EXPECT_EQ(filed("set :length \"b\" \"\xC3\xBC\xC3\xB6\"; fileinto \"${b}\";"), "2");
  EXPECT_EQ(filed("set :length :quotewildcard \"b\" \"a*?\"; fileinto \"${b}\";"), "5");
}

TEST(Variables, ModifiersOfEqualPrecedenceConflict) {
  EXPECT_NE(compile_errors("require \"variables\"; set :lower :upper \"a\" \"b\";"), "");
  EXPECT_NE(compile_errors("require \"variables\"; set :lowerfirst :upperfirst \"a\" \"b\";"), "");
}

TEST(Variables, SetNameMustBeAnIdentifier) {
  for (const char* name : {"${frop}", "....", "name.", ".name", "0", "a-b"})
    EXPECT_NE(compile_errors(std::string("require \"variables\"; set \"") + name + "\" \"v\";"), "")
        << name;
  EXPECT_NE(compile_errors("require \"variables\"; set \"ns.frop\" \"v\";"), "");  // no such ns
}

TEST(Variables, UnknownNamespaceInStringIsAnError) {
  EXPECT_NE(compile_errors("require [\"variables\", \"fileinto\"]; fileinto \"${ns.x}\";"), "");
  EXPECT_NE(compile_errors("require [\"variables\", \"fileinto\"]; fileinto \"${33}\";"), "");
}

TEST(Variables, MatchVariables) {
  const std::string msg =
      "Subject: [acme-users] [fwd] version 1.0 is out\r\nTo: coyote@ACME.Example.COM\r\n\r\nx\r\n";
  EXPECT_EQ(filed("if header :matches \"Subject\" \"[*] *\" { fileinto \"${1}|${2}\"; }", msg),
            "acme-users|[fwd] version 1.0 is out");
  EXPECT_EQ(
      filed("if address :matches \"To\" \"coyote@**.com\" { fileinto \"${0}|${1}|${2}\"; }", msg),
      "coyote@ACME.Example.COM||ACME.Example");
  // Leading zeros, out of range, and a failing :matches keeps the old values.
  EXPECT_EQ(filed("if string :matches \"a:b\" \"*:*\" {} "
                  "if string :matches \"x\" \"y*\" {} fileinto \"${002}${1}[${7}]\";"),
            "ba[]");
}

TEST(Variables, StringTest) {
  EXPECT_TRUE(
      testing::test_true("require [\"variables\", \"relational\", "
                         "\"comparator-i;ascii-numeric\"];",
                         "string :count \"eq\" :comparator \"i;ascii-numeric\" "
                         "[\"a\", \"\", \"c\"] \"2\""));
  EXPECT_TRUE(testing::test_true("require \"variables\";", "string \"  a \" \"  a \""));
}

TEST(Variables, ValuesAreTruncatedOnCharacterBoundaries) {
  EngineSettings s;
  s.values["variables_max_variable_size"] = "4";
  // "abc" + a two-octet character would be 5 octets: the character goes.
  EXPECT_EQ(filed("set \"a\" \"abc\xC3\xBC\"; fileinto \"${a}\";", testing::kMessage, s), "abc");
}

TEST(Variables, ScopeSizeLimit) {
  EngineSettings s;
  s.values["variables_max_scope_size"] = "2";
  EXPECT_NE(compile_errors("require \"variables\"; set \"a\" \"1\"; set \"b\" \"2\"; "
                           "set \"c\" \"3\";",
                           s),
            "");
  EXPECT_EQ(compile_errors("require \"variables\"; set \"a\" \"1\"; set \"A\" \"2\";", s), "");
}

TEST(Variables, NotExpandedWithoutRequire) {
  const RunOutput out = run("require \"fileinto\"; fileinto \"${x}\";");
  EXPECT_EQ(describe(out), V{"fileinto ${x}"});
}

}  // namespace
}  // namespace zest::interp
