#include "manage-sieve/protocol.hpp"

#include <gtest/gtest.h>

#include "base/base64.hpp"
#include "store/script_store.hpp"

using namespace zest::managesieve;

TEST(ManageSieveProtocol, ParsesQuotedNumbersAndLiteralHeaders) {
  auto p = parse_args(R"( "a\"b" 12 {5+})");
  ASSERT_TRUE(p.error.empty()) << p.error;
  ASSERT_EQ(p.args.size(), 2u);
  EXPECT_EQ(p.args[0].text, "a\"b");
  EXPECT_EQ(p.args[1].number, 12u);
  ASSERT_TRUE(p.literal);
  EXPECT_EQ(*p.literal, 5u);
  EXPECT_EQ(*parse_args("{7}").literal, 7u);  // synchronizing form accepted too
}

TEST(ManageSieveProtocol, RejectsBadSyntax) {
  EXPECT_FALSE(parse_args(R"("unterminated)").error.empty());
  EXPECT_FALSE(parse_args(R"("bad \n escape")").error.empty());
  EXPECT_FALSE(parse_args("{5+} trailing").error.empty());
  EXPECT_FALSE(parse_args("{99999999999+}").error.empty());
  EXPECT_FALSE(parse_args("{+}").error.empty());
  EXPECT_FALSE(parse_args("007").error.empty());  // no leading zeros
  EXPECT_FALSE(parse_args("4294967296").error.empty());
  EXPECT_FALSE(parse_args(std::string("\"") + std::string(1100, 'x') + "\"").error.empty());
}

TEST(ManageSieveProtocol, StringsOut) {
  EXPECT_EQ(string_out("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(string_out("a\r\nb"), "{4}\r\na\r\nb");
  EXPECT_EQ(response("NO", "QUOTA/MAXSIZE", "too big"), "NO (QUOTA/MAXSIZE) \"too big\"\r\n");
  EXPECT_EQ(response("OK", "", ""), "OK\r\n");
}

TEST(ManageSieveProtocol, ScriptNames) {
  EXPECT_TRUE(check_script_name("main").empty());
  EXPECT_TRUE(check_script_name("größe ☃").empty());
  EXPECT_FALSE(check_script_name("").empty());
  EXPECT_FALSE(check_script_name("a\x01").empty());
  EXPECT_FALSE(check_script_name("a\x7f").empty());
  EXPECT_FALSE(check_script_name("a\xc2\x85").empty());      // U+0085
  EXPECT_FALSE(check_script_name("a\xe2\x80\xa8").empty());  // U+2028
  EXPECT_FALSE(check_script_name("\xff\xfe").empty());       // not UTF-8
  EXPECT_FALSE(check_script_name("\xc0\xaf").empty());       // overlong
  EXPECT_FALSE(check_script_name(std::string(513, 'a')).empty());
}

// SASL messages go through base's strict codec.
TEST(ManageSieveProtocol, Base64) {
  using zest::base::base64_decode;
  using zest::base::base64_encode;
  EXPECT_EQ(base64_encode(std::string("\0alice\0secret", 13)), "AGFsaWNlAHNlY3JldA==");
  EXPECT_EQ(*base64_decode("AGFsaWNlAHNlY3JldA=="), std::string("\0alice\0secret", 13));
  EXPECT_FALSE(base64_decode("abc"));
  EXPECT_FALSE(base64_decode("a=bc"));
  EXPECT_EQ(*base64_decode(""), "");
}

TEST(ScriptFileNames, EscapeRoundTrips) {
  using zest::store::script_file_stem;
  using zest::store::script_name_from_stem;
  EXPECT_EQ(script_file_stem("main"), "main");
  EXPECT_EQ(script_file_stem("a.b"), "a.b");
  EXPECT_EQ(script_file_stem("../x"), "%2E.%2Fx");  // no leading dot, no slash
  EXPECT_EQ(script_file_stem(".hidden"), "%2Ehidden");
  for (std::string n : {"main", "my script", "../x", "a/b", "größe", "100%", "x."})
    EXPECT_EQ(*script_name_from_stem(script_file_stem(n)), n);
  EXPECT_FALSE(script_name_from_stem("%2e"));  // lower-case escapes are not ours
  EXPECT_FALSE(script_name_from_stem("a b"));  // would have been escaped
  EXPECT_FALSE(script_name_from_stem("%4"));
}
