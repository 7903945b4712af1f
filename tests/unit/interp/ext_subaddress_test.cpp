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

// Issue 20.4: envelope "to" is the original recipient (sieve-test -a, LMTP
// ORCPT), as Pigeonhole's sieve-test(1) documents; the final recipient
// only when no original one is known.
TEST(Envelope, ToIsTheOriginalRecipient) {
  Envelope env = testing::default_envelope();
  env.to = "final@example.org";
  env.orig_to = "list+sieve@example.org";
  auto fired = [&](std::string_view test) {
    const std::string src = std::string(kReq) + "if " + std::string(test) + " { discard; }";
    return !testing::run(src, msg("x@example.org"), {}, env).implicit_keep;
  };
  EXPECT_TRUE(fired("envelope \"to\" \"list+sieve@example.org\""));
  EXPECT_TRUE(fired("envelope :detail \"to\" \"sieve\""));
  EXPECT_FALSE(fired("envelope \"to\" \"final@example.org\""));
  env.orig_to.clear();
  EXPECT_TRUE(fired("envelope \"to\" \"final@example.org\""));
}

TEST(Subaddress, NeedsRequire) {
  EXPECT_NE(testing::compile_errors("if address :user \"to\" \"ken\" {}"), "");
}

}  // namespace
}  // namespace zest::interp
