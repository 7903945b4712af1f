#include "mail/rfc2047.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mail/message.hpp"

namespace zest::mail {
namespace {

TEST(Rfc2047, Utf8Base64) {
  EXPECT_EQ(decode_rfc2047("=?UTF-8?B?w6lsw6hndmU=?="), "\xC3\xA9l\xC3\xA8gve");
  EXPECT_EQ(decode_rfc2047("=?utf-8?b?SGVsbG8=?="), "Hello");
}

TEST(Rfc2047, Latin1QuotedPrintable) {
  EXPECT_EQ(decode_rfc2047("=?ISO-8859-1?Q?Caf=E9?="), "Caf\xC3\xA9");
  EXPECT_EQ(decode_rfc2047("=?iso-8859-1?q?a_b=5Fc?="), "a b_c");
}

TEST(Rfc2047, OtherCharsets) {
  EXPECT_EQ(decode_rfc2047("=?KOI8-R?B?8NLJ18XU?="),
            "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
  EXPECT_EQ(decode_rfc2047("=?windows-1252?Q?=80?="), "\xE2\x82\xAC");
  EXPECT_EQ(decode_rfc2047("=?ISO-8859-15?Q?=A4?="), "\xE2\x82\xAC");
  EXPECT_EQ(decode_rfc2047("=?US-ASCII?Q?plain?="), "plain");
  EXPECT_EQ(decode_rfc2047("=?UTF-8*en?Q?lang?="), "lang");  // RFC 2231 language
}

TEST(Rfc2047, AdjacentWordsJoined) {
  EXPECT_EQ(decode_rfc2047("=?UTF-8?Q?a?= =?UTF-8?Q?b?="), "ab");
  EXPECT_EQ(decode_rfc2047("=?UTF-8?Q?a?=\r\n =?UTF-8?Q?b?="), "ab");
  EXPECT_EQ(decode_rfc2047("=?UTF-8?Q?a?= x =?UTF-8?Q?b?="), "a x b");
  EXPECT_EQ(decode_rfc2047("pre =?UTF-8?Q?a?= post"), "pre a post");
  // A multibyte character split across two words.
  EXPECT_EQ(decode_rfc2047("=?UTF-8?B?w6?= =?UTF-8?Q?=A9?="), "\xC3\xA9");
  // Different charsets next to each other.
  EXPECT_EQ(decode_rfc2047("=?ISO-8859-1?Q?=E9?= =?UTF-8?Q?=C3=A9?="), "\xC3\xA9\xC3\xA9");
}

TEST(Rfc2047, BadCharsetKeptRaw) {
  EXPECT_EQ(decode_rfc2047("=?X-NO-SUCH-CHARSET?Q?abc?="), "=?X-NO-SUCH-CHARSET?Q?abc?=");
  EXPECT_EQ(decode_rfc2047("=?X-BOGUS?Q?a?= =?UTF-8?Q?b?="), "=?X-BOGUS?Q?a?= b");
}

TEST(Rfc2047, MalformedWordsKeptRaw) {
  EXPECT_EQ(decode_rfc2047("=?UTF-8?X?abc?="), "=?UTF-8?X?abc?=");
  EXPECT_EQ(decode_rfc2047("=?UTF-8?Q?unterminated"), "=?UTF-8?Q?unterminated");
  EXPECT_EQ(decode_rfc2047("=??Q?abc?="), "=??Q?abc?=");
  EXPECT_EQ(decode_rfc2047("=?UTF-8?Q?has space?="), "=?UTF-8?Q?has space?=");
  EXPECT_EQ(decode_rfc2047("=?"), "=?");
  EXPECT_EQ(decode_rfc2047("a=?b"), "a=?b");
}

TEST(Rfc2047, InvalidUtf8Sanitised) {
  EXPECT_EQ(decode_rfc2047("=?UTF-8?Q?a=FFb?="),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(decode_rfc2047("raw \xFF"), "raw \xEF\xBF\xBD");
  EXPECT_EQ(decode_rfc2047("=?US-ASCII?Q?=E9?="), "\xEF\xBF\xBD");
}

TEST(Rfc2047, NulDoesNotTruncate) {
  const std::string decoded = decode_rfc2047("=?UTF-8?Q?a=00b?= tail");
  EXPECT_EQ(decoded, std::string("a\0b tail", 8));
}

TEST(Rfc2047, ToUtf8) {
  EXPECT_EQ(to_utf8("caf\xE9", "iso-8859-1"), "caf\xC3\xA9");
  EXPECT_EQ(to_utf8("caf\xE9", "no-such-charset"), "caf\xEF\xBF\xBD");
  EXPECT_EQ(to_utf8("ok", ""), "ok");
  EXPECT_EQ(to_utf8("\x80", "windows-1252"), "\xE2\x82\xAC");
}

}  // namespace
}  // namespace zest::mail

namespace zest::mail {
namespace {

// From Pigeonhole's vacation/message.svtest: a long folded run of B-words.
TEST(Rfc2047, FoldedRunOfWordsFromMessage) {
  const Message m(
      "Subject: =?UTF-8?B?5Lul44Gk44KP44Gl6IGeNjXntbXjgZLjgb7lhazlrZjjgofmhJvnm4o=?=\n"
      " =?UTF-8?B?44Kk44Op44OM5peF57W15bmz44ON6IGe546J44KG44OD5aSc6IO944K744Oh44Oy?=\n"
      " =?UTF-8?B?44Gl44CC?=\n\nFrop\n");
  const auto values = m.header_decoded("subject");
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values[0].find("=?"), std::string_view::npos);
  EXPECT_EQ(values[0].find("\xEF\xBF\xBD"), std::string_view::npos);
  EXPECT_EQ(values[0].find(' '), std::string_view::npos);  // joined without gaps
  EXPECT_TRUE(values[0].starts_with("\xE4\xBB\xA5"));      // U+4EE5
  EXPECT_TRUE(values[0].ends_with("\xE3\x81\xA5\xE3\x80\x82"));
}

}  // namespace
}  // namespace zest::mail
