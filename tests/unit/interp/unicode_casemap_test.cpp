// RFC 5051 i;unicode-casemap (interp/unicode_casemap.hpp, over ICU): each
// character is mapped to its simple titlecase, then the string is decomposed
// with NFKD; :is, :contains, :matches and ordering work on that form.
#include "interp/unicode_casemap.hpp"

#include <gtest/gtest.h>

#include "interp/comparator.hpp"
#include "test_util.hpp"

namespace zest::interp {
namespace {

const Comparator& um() {
  return unicode_casemap_comparator();
}

TEST(UnicodeCasemap, CaseIsFolded) {
  EXPECT_TRUE(match_is(um(), "hello world", "HELLO World"));
  EXPECT_TRUE(match_is(um(), "\xc3\x84rger", "\xc3\xa4RGER"));            // Ärger / äRGER
  EXPECT_TRUE(match_is(um(), "\xc3\xa9t\xc3\xa9", "\xc3\x89T\xc3\x89"));  // été / ÉTÉ
  // Greek: σ, final ς and Σ share the titlecase Σ.
  EXPECT_TRUE(match_is(um(), "\xcf\x83", "\xce\xa3"));
  EXPECT_TRUE(match_is(um(), "\xcf\x82", "\xce\xa3"));
  // Cyrillic.
  EXPECT_TRUE(match_is(um(), "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
                       "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2"));  // привет/ПРИВЕТ
  EXPECT_FALSE(match_is(um(), "\xc3\xa4", "a"));                              // Ä is not A
  EXPECT_FALSE(match_is(um(), "hello", "hello "));
}

TEST(UnicodeCasemap, NormalisationMakesFormsEqual) {
  // Precomposed Ä (U+00C4) and A + COMBINING DIAERESIS (U+0308), either case.
  EXPECT_TRUE(match_is(um(), "\xc3\x84", "A\xcc\x88"));
  EXPECT_TRUE(match_is(um(), "\xc3\xa4", "A\xcc\x88"));
  EXPECT_TRUE(match_is(um(), "K\xc3\xb6ln", "KO\xcc\x88LN"));
  // NFKD is a compatibility decomposition: ROMAN NUMERAL TWELVE (U+216B) and
  // SMALL ROMAN NUMERAL TWELVE (U+217B) are "XII"; FULLWIDTH A (U+FF21) is "A".
  EXPECT_TRUE(match_is(um(), "\xe2\x85\xab", "xii"));
  EXPECT_TRUE(match_is(um(), "\xe2\x85\xbb", "XII"));
  EXPECT_TRUE(match_is(um(), "\xef\xbc\xa1", "a"));
  // Two combining marks in either order are canonically reordered:
  // a + dot below (U+0323) + circumflex (U+0302) = a + circumflex + dot below.
  EXPECT_TRUE(match_is(um(), "a\xcc\xa3\xcc\x82", "A\xcc\x82\xcc\xa3"));
  EXPECT_TRUE(match_is(um(), "\xe1\xba\xad", "a\xcc\x82\xcc\xa3"));  // ậ (U+1EAD)
}

TEST(UnicodeCasemap, SharpSFollowsSimpleTitlecase) {
  // RFC 5051 uses the simple (one character) titlecase mapping. ß (U+00DF)
  // has none, so it stays ß and is not "ss" or "SS"; CAPITAL SHARP S
  // (U+1E9E) is its own titlecase, so ß and ẞ differ too (as in Pigeonhole,
  // which uses the same tables).
  EXPECT_TRUE(match_is(um(),
                       "Stra\xc3\x9f"
                       "e",
                       "STRA\xc3\x9f"
                       "E"));
  EXPECT_FALSE(match_is(um(),
                        "Stra\xc3\x9f"
                        "e",
                        "strasse"));
  EXPECT_FALSE(match_is(um(), "\xc3\x9f", "SS"));
  EXPECT_FALSE(match_is(um(), "\xc3\x9f", "\xe1\xba\x9e"));
}

TEST(UnicodeCasemap, InvalidUtf8OctetsMatchOnlyThemselves) {
  EXPECT_TRUE(match_is(um(), "a\xff", "A\xff"));
  EXPECT_FALSE(match_is(um(), "a\xff", "a\xfe"));
  EXPECT_FALSE(match_is(um(), "\xc3", "\xc3\xa4"));  // truncated sequence
  EXPECT_TRUE(match_contains(um(), "x\xff\xc3\xa4y", "\xff\xc3\x84"));
}

TEST(UnicodeCasemap, Contains) {
  EXPECT_TRUE(match_contains(um(),
                             "Gr\xc3\xbc\xc3\x9f"
                             "e aus K\xc3\xb6ln",
                             "K\xc3\x96LN"));
  EXPECT_TRUE(match_contains(um(),
                             "Gr\xc3\xbc\xc3\x9f"
                             "e aus K\xc3\xb6ln",
                             "ko\xcc\x88ln"));
  EXPECT_TRUE(match_contains(um(), "anything", ""));
  EXPECT_FALSE(match_contains(um(), "Koln", "K\xc3\xb6ln"));
}

TEST(UnicodeCasemap, MatchesByCharacter) {
  std::vector<std::string> groups;
  // '?' is one character: a precomposed ö, or o with its combining mark.
  EXPECT_TRUE(match_wildcard(um(), "K\xc3\xb6ln", "k?LN", nullptr));
  EXPECT_TRUE(match_wildcard(um(), "Ko\xcc\x88ln", "k?LN", nullptr));
  EXPECT_FALSE(match_wildcard(um(), "Ko\xcc\x88ln", "k??LN", nullptr));
  // Groups are taken from the original value.
  ASSERT_TRUE(match_wildcard(um(),
                             "Gr\xc3\xbc\xc3\x9f"
                             "e aus K\xc3\xb6ln",
                             "GR?*AUS *", &groups));
  ASSERT_EQ(groups.size(), 4u);
  EXPECT_EQ(groups[0],
            "Gr\xc3\xbc\xc3\x9f"
            "e aus K\xc3\xb6ln");
  EXPECT_EQ(groups[1], "\xc3\xbc");
  EXPECT_EQ(groups[2],
            "\xc3\x9f"
            "e ");
  EXPECT_EQ(groups[3], "K\xc3\xb6ln");
  // Escapes make '*' and '?' literal.
  EXPECT_TRUE(match_wildcard(um(), "\xc3\xa9t\xc3\xa9?", "\xc3\x89T\xc3\x89\\?", nullptr));
  EXPECT_FALSE(match_wildcard(um(), "\xc3\xa9t\xc3\xa9x", "\xc3\x89T\xc3\x89\\?", nullptr));
}

TEST(UnicodeCasemap, Ordering) {
  EXPECT_LT(um().compare("a", "B"), 0);
  EXPECT_GT(um().compare("b", "A"), 0);
  EXPECT_EQ(um().compare("\xc3\xa4", "\xc3\x84"), 0);
}

TEST(UnicodeCasemap, InScripts) {
  // Always available, as in Pigeonhole 2.4; the capability can be required.
  constexpr std::string_view msg = "Subject: \xc3\x84rger mit K\xc3\xb6ln\r\n\r\nx\r\n";
  EXPECT_TRUE(testing::test_true("require \"comparator-i;unicode-casemap\";\n",
                                 "header :comparator \"i;unicode-casemap\" :is \"subject\" "
                                 "\"\xc3\xa4RGER MIT KO\xcc\x88LN\"",
                                 msg));
  EXPECT_TRUE(testing::test_true("",
                                 "header :comparator \"i;unicode-casemap\" :matches "
                                 "\"subject\" \"*k?ln\"",
                                 msg));
  EXPECT_FALSE(testing::test_true("",
                                  "header :comparator \"i;ascii-casemap\" :is \"subject\" "
                                  "\"\xc3\xa4RGER MIT K\xc3\x96LN\"",
                                  msg));
}

}  // namespace
}  // namespace zest::interp
