// RFC 5233 subaddress: :user and :detail (RFC §5 examples).
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::test_true;

constexpr std::string_view kReq = "require [\"subaddress\", \"envelope\"];";

std::string msg(std::string_view to) {
  return "From: a@example.com\r\nTo: " + std::string(to) + "\r\n\r\nx\r\n";
}

TEST(Subaddress, UserAndDetail) {
  EXPECT_TRUE(test_true(kReq, "address :user \"to\" \"ken\"", msg("ken+sieve@example.org")));
  EXPECT_TRUE(test_true(kReq, "address :detail \"to\" \"sieve\"", msg("ken+sieve@example.org")));
  EXPECT_TRUE(test_true(kReq, "address :user \"to\" \"ken\"", msg("ken@example.org")));
}

TEST(Subaddress, NoSeparatorMeansNoDetail) {
  EXPECT_FALSE(test_true(kReq, "address :detail \"to\" \"\"", msg("ken@example.org")));
  EXPECT_FALSE(test_true(kReq, "address :detail :matches \"to\" \"*\"", msg("ken@example.org")));
}

TEST(Subaddress, SeparatorAtTheEndGivesEmptyDetail) {
  EXPECT_TRUE(test_true(kReq, "address :detail \"to\" \"\"", msg("ken+@example.org")));
}

TEST(Subaddress, NeedsRequire) {
  EXPECT_NE(testing::compile_errors("if address :user \"to\" \"ken\" {}"), "");
}

}  // namespace
}  // namespace zest::interp
