// RFC 3461 DSN parameters: xtext, ORCPT, NOTIFY, RET.
#include <gtest/gtest.h>

#include "delivery/dsn_params.hpp"

namespace zest::delivery {
namespace {

TEST(DsnParams, Xtext) {
  EXPECT_EQ(decode_xtext("alice@example.org"), "alice@example.org");
  EXPECT_EQ(decode_xtext("a+2Bb@example.org"), "a+b@example.org");
  EXPECT_EQ(decode_xtext("a+3Db+20c"), "a=b c");
  EXPECT_EQ(decode_xtext("x+2b"), "x+");  // lower-case hex accepted
  EXPECT_EQ(decode_xtext(""), "");
  EXPECT_FALSE(decode_xtext("a+2"));
  EXPECT_FALSE(decode_xtext("a+"));
  EXPECT_FALSE(decode_xtext("a+G0"));
  EXPECT_FALSE(decode_xtext("a=b"));
  EXPECT_FALSE(decode_xtext("a b"));
  EXPECT_FALSE(decode_xtext("caf\xc3\xa9"));
}

TEST(DsnParams, Orcpt) {
  EXPECT_EQ(parse_orcpt("rfc822;alice@example.org"), "alice@example.org");
  EXPECT_EQ(parse_orcpt("RFC822;bob+2Bsieve@example.org"), "bob+sieve@example.org");
  EXPECT_EQ(parse_orcpt("x-other;whatever"), "");  // accepted, not an address we use
  EXPECT_FALSE(parse_orcpt("alice@example.org"));
  EXPECT_FALSE(parse_orcpt(";alice@example.org"));
  EXPECT_FALSE(parse_orcpt("rfc822;"));
  EXPECT_FALSE(parse_orcpt("rfc 822;a@b"));
  EXPECT_FALSE(parse_orcpt("rfc822;a+zz@b"));
}

TEST(DsnParams, NotifyAndRet) {
  EXPECT_TRUE(valid_notify("NEVER"));
  EXPECT_TRUE(valid_notify("SUCCESS,FAILURE"));
  EXPECT_TRUE(valid_notify("delay"));
  EXPECT_FALSE(valid_notify("NEVER,SUCCESS"));
  EXPECT_FALSE(valid_notify("SUCCESS,SUCCESS"));
  EXPECT_FALSE(valid_notify(""));
  EXPECT_FALSE(valid_notify("SUCCESS,"));
  EXPECT_TRUE(valid_ret("FULL"));
  EXPECT_TRUE(valid_ret("hdrs"));
  EXPECT_FALSE(valid_ret("ALL"));
}

}  // namespace
}  // namespace zest::delivery
