// RFC 5231 relational: :count and :value with comparators (RFC §6 examples).
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::compile_errors;
using testing::test_true;

constexpr std::string_view kReq = "require [\"relational\", \"comparator-i;ascii-numeric\"];";
constexpr std::string_view kMsg =
    "Received: ...\r\nReceived: ...\r\nSubject: example\r\nTo: foo@example.com, "
    "baz@example.com\r\nCC: qux@example.com\r\nX-Spam: 300\r\n\r\nbody\r\n";

TEST(Relational, RfcExamples) {
  EXPECT_TRUE(test_true(kReq,
                        "address :count \"ge\" :comparator \"i;ascii-numeric\" "
                        "[\"to\", \"cc\"] [\"3\"]",
                        kMsg));
  EXPECT_TRUE(test_true(kReq,
                        "header :count \"ge\" :comparator \"i;ascii-numeric\" "
                        "[\"received\"] [\"2\"]",
                        kMsg));
  EXPECT_FALSE(test_true(kReq,
                         "header :count \"ge\" :comparator \"i;ascii-numeric\" "
                         "[\"received\", \"subject\"] [\"4\"]",
                         kMsg));
  EXPECT_TRUE(test_true(kReq,
                        "header :count \"ge\" :comparator \"i;ascii-numeric\" "
                        "[\"received\", \"subject\"] [\"3\"]",
                        kMsg));
  EXPECT_TRUE(test_true(kReq,
                        "address :count \"eq\" :comparator \"i;ascii-numeric\" "
                        "[\"to\", \"cc\"] [\"3\"]",
                        kMsg));
}

TEST(Relational, ValueUsesTheComparator) {
  EXPECT_TRUE(test_true(kReq,
                        "header :value \"gt\" :comparator \"i;ascii-numeric\" "
                        "\"x-spam\" \"20\"",
                        kMsg));
  // i;ascii-casemap compares as text: "300" < "4".
  EXPECT_TRUE(test_true(kReq, "header :value \"lt\" \"x-spam\" \"4\"", kMsg));
}

TEST(Relational, InvalidRelationIsAnError) {
  EXPECT_NE(compile_errors("require \"relational\"; if header :value \"gr\" \"a\" \"b\" {}"), "");
  EXPECT_NE(compile_errors("if header :count \"eq\" \"a\" \"b\" {}"), "");  // not required
}

}  // namespace
}  // namespace zest::interp
