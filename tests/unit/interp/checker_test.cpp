// The checker on its own, without the compiler: a node of a parsed script
// becomes a CheckedCall with its arguments in their slots, or diagnostics.
#include <gtest/gtest.h>

#include "grammar/parse.hpp"
#include "interp/checker.hpp"
#include "interp/comparator.hpp"
#include "test_util.hpp"

namespace zest::interp {
namespace {

// Parses `src`, checks its requires, then checks the first test of the
// first `if` (or the command after the requires) with the given checker.
class CheckerTest : public ::testing::Test {
 protected:
  std::optional<CheckedCall> check_first(std::string_view src) {
    auto parsed = grammar::parse(src, parse_limits(settings_));
    EXPECT_FALSE(parsed.diags.has_errors());
    script_ = std::move(parsed.script);
    checker_.emplace(testing::registry(), settings_, diags_, nullptr);
    for (const auto& n : script_.commands) {
      if (n.identifier == "require") {
        checker_->check_require(n, true);
        continue;
      }
      const bool is_test = n.identifier == "if";
      const grammar::Node& node = is_test ? n.tests.at(0) : n;
      const CommandSpec* spec = checker_->lookup(node, is_test);
      if (!spec) return std::nullopt;
      return checker_->check_call(node, spec);
    }
    return std::nullopt;
  }
  std::string errors() const { return testing::diag_text(diags_); }

  EngineSettings settings_;
  grammar::Diagnostics diags_;
  grammar::Script script_;
  std::optional<Checker> checker_;
};

TEST_F(CheckerTest, ArgumentsLandInTheirSlots) {
  auto call = check_first(
      "require [\"relational\", \"comparator-i;ascii-numeric\"];\n"
      "if header :count \"ge\" :comparator \"i;ascii-numeric\" \"to\" \"2\" { keep; }\n");
  ASSERT_TRUE(call) << errors();
  EXPECT_FALSE(diags_.has_errors()) << errors();
  EXPECT_EQ(call->what(), "the header test");
  const CheckedArg* mt = call->find(kSlotMatchType);
  ASSERT_TRUE(mt);
  EXPECT_EQ(static_cast<MatchType>(mt->number), MatchType::Count);
  ASSERT_TRUE(call->find(kSlotRelation));
  EXPECT_EQ(call->find(kSlotRelation)->str(), "ge");
  ASSERT_TRUE(call->find(kSlotComparator));
  EXPECT_EQ(call->find(kSlotComparator)->str(), "i;ascii-numeric");
  const CheckedArg* names = call->find(0);
  ASSERT_TRUE(names);
  EXPECT_EQ(names->kind, ArgKind::StringList);  // a single string is accepted as a list
  EXPECT_EQ(names->strings, std::vector<std::string>{"to"});
  EXPECT_TRUE(names->constant());
}

TEST_F(CheckerTest, VariableReferencesAreTemplatesOnlyWithVariables) {
  auto plain = check_first("if header :is \"subject\" \"${x}\" { keep; }\n");
  ASSERT_TRUE(plain) << errors();
  EXPECT_FALSE(diags_.has_errors()) << errors();
  EXPECT_TRUE(plain->find(1)->constant());
  auto with = check_first("require \"variables\";\nif header :is \"subject\" \"${x}\" { keep; }\n");
  ASSERT_TRUE(with) << errors();
  EXPECT_FALSE(diags_.has_errors()) << errors();
  EXPECT_FALSE(with->find(1)->constant());
}

TEST_F(CheckerTest, ReportsOnlyTheFirstArgumentProblem) {
  auto call = check_first("if header :is :contains \"a\" \"b\" \"c\" { keep; }\n");
  EXPECT_FALSE(call);
  EXPECT_EQ(diags_.error_count(), 1u) << errors();
  EXPECT_NE(errors().find("multiple match type arguments specified for the header test"),
            std::string::npos)
      << errors();
}

TEST_F(CheckerTest, ComparatorMustSupportTheMatchType) {
  check_first(
      "require \"comparator-i;ascii-numeric\";\n"
      "if header :contains :comparator \"i;ascii-numeric\" \"to\" \"1\" { keep; }\n");
  EXPECT_EQ(diags_.error_count(), 1u) << errors();
  EXPECT_NE(errors().find("the comparator 'i;ascii-numeric' does not support the :contains match "
                          "type, as required by the header test"),
            std::string::npos)
      << errors();
}

TEST_F(CheckerTest, UnknownCapabilityAndUnrequiredExtension) {
  EXPECT_FALSE(check_first("require \"no-such\";\nfileinto \"x\";\n"));
  EXPECT_NE(errors().find("require command: unknown Sieve capability 'no-such'"), std::string::npos)
      << errors();
  EXPECT_NE(errors().find("unknown command 'fileinto'"), std::string::npos) << errors();
}

TEST_F(CheckerTest, CapabilitiesUsedIncludeImpliedOnes) {
  ASSERT_TRUE(check_first("require \"imapflags\";\nkeep;\n")) << errors();
  EXPECT_FALSE(diags_.has_errors()) << errors();
  const auto caps = checker_->capabilities_used();
  EXPECT_NE(std::find(caps.begin(), caps.end(), "imapflags"), caps.end());
  EXPECT_NE(std::find(caps.begin(), caps.end(), "imap4flags"), caps.end());
}

}  // namespace
}  // namespace zest::interp
