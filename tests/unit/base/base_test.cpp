// base/: the helpers every folder shares.
#include <gtest/gtest.h>

#include "base/base64.hpp"
#include "base/date.hpp"
#include "base/hex.hpp"
#include "base/logfmt.hpp"
#include "base/percent.hpp"
#include "base/result.hpp"
#include "base/text.hpp"
#include "base/utf8.hpp"

namespace zest::base {
namespace {

TEST(Text, CaseAndTrimAreAsciiOnly) {
  EXPECT_EQ(to_lower("MiXeD-ÄÖ"), "mixed-ÄÖ");
  EXPECT_EQ(to_upper("abc-z"), "ABC-Z");
  EXPECT_TRUE(iequals("Content-Type", "content-TYPE"));
  EXPECT_FALSE(iequals("abc", "abcd"));
  EXPECT_TRUE(istarts_with("X-Spam-Flag", "x-spam"));
  EXPECT_EQ(trim(" \t a b \r\n"), "a b");
  EXPECT_EQ(trim_left("  a "), "a ");
  EXPECT_EQ(trim_right("  a "), "  a");
  EXPECT_TRUE(is_ascii("plain"));
  EXPECT_FALSE(is_ascii("caf\xC3\xA9"));
  EXPECT_TRUE(is_yes(" Yes "));
  EXPECT_TRUE(is_yes("1"));
  EXPECT_FALSE(is_yes("no"));
}

TEST(Base64, RoundTripAndPadding) {
  EXPECT_EQ(base64_encode(std::string_view("")), "");
  EXPECT_EQ(base64_encode(std::string_view("f")), "Zg==");
  EXPECT_EQ(base64_encode(std::string_view("fo")), "Zm8=");
  EXPECT_EQ(base64_encode(std::string_view("foobar")), "Zm9vYmFy");
  const std::string binary("\0\xff\x10 x", 5);
  EXPECT_EQ(base64_decode(base64_encode(binary)), binary);
}

TEST(Base64, StrictRefusesWhatLenientSkips) {
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm8"), std::nullopt);   // length
  EXPECT_EQ(base64_decode("Z=8="), std::nullopt);  // padding inside
  EXPECT_EQ(base64_decode("Zm 8"), std::nullopt);  // outside the alphabet
  EXPECT_EQ(base64_decode_lenient("Zm9v\r\nYmFy"), "foobar");
  EXPECT_EQ(base64_decode_lenient("Zm8=garbage"), "fo");
}

TEST(Percent, StrictAndLenient) {
  EXPECT_EQ(percent_decode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(percent_decode("%2"), std::nullopt);
  EXPECT_EQ(percent_decode("%zz"), std::nullopt);
  EXPECT_EQ(percent_decode("%00"), std::nullopt);  // no NUL smuggled into a URI
  EXPECT_EQ(percent_decode_lenient("100%25 and 5%"), "100% and 5%");
  EXPECT_EQ(percent_encode("a b~\xC3\xA9"), "a%20b~%C3%A9");
}

TEST(Hex, ValuesAndHashes) {
  EXPECT_EQ(hex_value('7'), 7);
  EXPECT_EQ(hex_value('b'), 11);
  EXPECT_EQ(hex_value('F'), 15);
  EXPECT_EQ(hex_value('g'), -1);
  EXPECT_EQ(to_hex("\x01\xab"), "01ab");
  // Ids made from these must stay stable across versions: the basis zest
  // has always used (1469598103934665603, not FNV's standard one).
  EXPECT_EQ(fnv_hex(""), "14650fb0739d0383");
  EXPECT_EQ(fnv_hex("a"), "44bd8ad473cd9906");
}

TEST(Utf8, ValidationRejectsOverlongSurrogatesAndCuts) {
  EXPECT_TRUE(valid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(valid_utf8("\xE2\x82"));          // cut
  EXPECT_EQ(utf8_length("a\xC3\xA9\xFF"), 3u);
  EXPECT_EQ(utf8_truncate("a\xC3\xA9", 2), "a");
  std::string s;
  append_utf8(s, 0x1F600);
  EXPECT_EQ(s, "\xF0\x9F\x98\x80");
}

TEST(Utf8, ReplacementRules) {
  EXPECT_EQ(replace_invalid_utf8("a\xFF"
                                 "b\x01"),
            "a\xEF\xBF\xBD"
            "b\x01");
  EXPECT_EQ(clean_utf8("a\xFF"
                       "b\x01\tc"),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\tc");
  EXPECT_EQ(truncate_chars("h\xC3\xA9llo", 2), "h\xC3\xA9\xE2\x80\xA6");
  EXPECT_EQ(truncate_chars("hi", 2), "hi");
}

// The repair reads eight octets at a time while they are plain ASCII: an
// invalid octet, a control and a multi-octet character at every offset of
// strings of every length up to 40, against the rules one octet at a time.
TEST(Utf8, ReplacementAtEveryOffset) {
  for (std::size_t len = 1; len <= 40; ++len)
    for (std::size_t at = 0; at < len; ++at) {
      const std::string pad(len - 1, 'x');
      const std::string head = pad.substr(0, at), tail = pad.substr(at);
      EXPECT_EQ(replace_invalid_utf8(head + "\xFF" + tail), head + "\xEF\xBF\xBD" + tail);
      EXPECT_EQ(clean_utf8(head + "\xFF" + tail), head + "\xEF\xBF\xBD" + tail);
      EXPECT_EQ(replace_invalid_utf8(head + "\x01" + tail), head + "\x01" + tail);
      EXPECT_EQ(clean_utf8(head + "\x01" + tail), head + "\xEF\xBF\xBD" + tail);
      EXPECT_EQ(clean_utf8(head + "\x1F\n\x7F" + tail), head + "\xEF\xBF\xBD\n\x7F" + tail);
      EXPECT_EQ(replace_invalid_utf8(head + "\xC3\xA9" + tail), head + "\xC3\xA9" + tail);
      EXPECT_EQ(replace_invalid_utf8(head + "\xC3" + tail),
                head + "\xEF\xBF\xBD" + tail);  // cut sequence
      // valid_utf8 skips ASCII eight octets at a time too.
      EXPECT_FALSE(valid_utf8(head + "\xFF" + tail));
      EXPECT_FALSE(valid_utf8(head + "\xC3" + tail));
      EXPECT_TRUE(valid_utf8(head + "\xC3\xA9" + tail));
      EXPECT_TRUE(valid_utf8(head + "\x01" + tail));
    }
}

// A long input with many octets to replace comes out right and in one
// block sized for it (appending past a reservation of the input's size
// copied a long body once more).
TEST(Utf8, LongRepairIsSizedOnce) {
  std::string in, want;
  for (int i = 0; i < 1 << 16; ++i) {
    in += "text \xFF\xC3\xA9\x01";
    want += "text \xEF\xBF\xBD\xC3\xA9\x01";
  }
  const std::string out = replace_invalid_utf8(in);
  EXPECT_EQ(out, want);
  EXPECT_LE(out.capacity(), out.size() + 16);
  const std::string clean = clean_utf8(in);
  EXPECT_EQ(clean.size(), want.size() + 2 * (1u << 16));
  EXPECT_LE(clean.capacity(), clean.size() + 16);
}

TEST(Date, Rfc5322AndRfc3339) {
  EXPECT_EQ(rfc5322_date(0), "Thu, 1 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date(1796400000), "Fri, 4 Dec 2026 16:00:00 +0000");
  EXPECT_EQ(rfc3339_date(1796400000), "2026-12-04T16:00:00Z");
  const std::string local = rfc5322_date(1796400000, Zone::local);
  ASSERT_GE(local.size(), 5u);
  EXPECT_TRUE(local[local.size() - 5] == '+' || local[local.size() - 5] == '-');
}

TEST(Logfmt, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(log_field("user", "alice"), "user=alice");
  EXPECT_EQ(log_field("user", ""), "user=\"\"");
  EXPECT_EQ(log_field("detail", "a \"b\"\nc\x01"), "detail=\"a \\\"b\\\"\\nc\"");
}

TEST(Status, SuccessFailureAndFromResult) {
  EXPECT_TRUE(Status{});
  const Status bad = Status::failure("disk full");
  EXPECT_FALSE(bad);
  EXPECT_EQ(bad.error(), "disk full");
  EXPECT_TRUE(Status::from(Result<int>(3)));
  EXPECT_EQ(Status::from(Result<int>::failure("no")).error(), "no");
}

}  // namespace
}  // namespace zest::base
