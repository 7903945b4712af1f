// Every example script of RFC 5228 that uses only core, fileinto, envelope
// and encoded-character compiles, and the examples whose outcome the RFC
// states give that outcome on its messages A and B (§1.2).
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::describe;
using testing::run;
using V = std::vector<std::string>;

constexpr std::string_view kMessageA =
    "Date: Tue, 1 Apr 1997 09:06:31 -0800 (PST)\r\n"
    "From: coyote@desert.example.org\r\n"
    "To: roadrunner@acme.example.com\r\n"
    "Subject: I have a present for you\r\n"
    "\r\n"
    "Look, I'm sorry about the whole anvil thing, and I really\r\n"
    "didn't mean to try and drop it on you from the top of the\r\n"
    "cliff.  I want to try to make it up to you.\r\n";

constexpr std::string_view kMessageB =
    "From: youcouldberich!@reply-by-postal-mail.invalid\r\n"
    "Sender: b1ff@de.res.example.com\r\n"
    "To: rube@landru.example.com\r\n"
    "Date:  Mon, 31 Mar 1997 18:26:10 -0800\r\n"
    "Subject: $$$ YOU, TOO, CAN BE A MILLIONAIRE! $$$\r\n"
    "\r\n"
    "YOU MAY HAVE ALREADY WON TEN MILLION DOLLARS, BUT I DOUBT\r\n"
    "IT!  SO JUST POST THIS TO SIX HUNDRED NEWSGROUPS!\r\n";

// The scripts, in the order they appear in the RFC.
const std::vector<std::pair<std::string, std::string>>& rfc_scripts() {
  static const std::vector<std::pair<std::string, std::string>> v = {
      {"2.3 hash comment", "if size :over 100k { # this is a comment\n discard;\n}\n"},
      {"2.3 bracket comment",
       "if size :over 100K { /* this is a comment\n this is still a comment "
       "*/ discard /* this is a comment\n */ ;\n}\n"},
      {"2.4.2.4 encoded-character",
       "require \"encoded-character\";\nif header :contains \"Subject\" \"$${hex:24 24}\" {\n "
       "discard;\n}\n"},
      {"2.5.1 test list",
       "if anyof (not exists [\"From\", \"Date\"],\n header :contains \"from\" "
       "\"fool@example.com\") {\n discard;\n}\n"},
      {"2.7.3 comparator",
       "if header :contains :comparator \"i;octet\" \"Subject\"\n \"MAKE MONEY FAST\" {\n "
       "discard;\n}\n"},
      {"3.1 elsif discard",
       "require \"fileinto\";\nif header :contains \"from\" \"coyote\" {\n discard;\n} elsif "
       "header :contains [\"subject\"] [\"$$$\"] {\n discard;\n} else {\n fileinto "
       "\"INBOX\";\n}\n"},
      {"3.1 elsif redirect",
       "if header :contains [\"From\"] [\"coyote\"] {\n redirect \"acm@example.com\";\n} elsif "
       "header :contains \"Subject\" \"$$$\" {\n redirect \"postmaster@example.com\";\n} else {\n "
       "redirect \"field@example.com\";\n}\n"},
      {"3.2 require", "require \"fileinto\";\n"},
      {"4.1 fileinto",
       "require \"fileinto\";\nif header :contains [\"from\"] \"coyote\" {\n fileinto "
       "\"INBOX.harassment\";\n}\n"},
      {"4.2 redirect", "redirect \"bart@example.com\";\n"},
      {"4.3 keep", "if size :under 1M { keep; } else { discard; }\n"},
      {"4.3 not size", "if not size :under 1M { discard; }\n"},
      {"4.4 discard", "if header :contains [\"from\"] [\"idiot@example.com\"] {\n discard;\n}\n"},
      {"5.1 address", "if address :is :all \"from\" \"tim@example.com\" {\n discard;\n}\n"},
      {"5.4 envelope",
       "require \"envelope\";\nif envelope :all :is \"from\" \"tim@example.com\" {\n "
       "discard;\n}\n"},
      {"5.5 exists", "if not exists [\"From\",\"Date\"] {\n discard;\n}\n"},
      {"5.7 header is empty", "if header :is [\"X-Caffeine\"] [\"\"] { discard; }\n"},
      {"5.7 header contains empty", "if header :contains [\"X-Caffeine\"] [\"\"] { discard; }\n"},
      {"5.7 not header matches", "if not header :matches \"Cc\" \"?*\" { discard; }\n"},
      {"5.9 size", "if size :over 500K { discard; }\n"},
      {"9 extended example",
       "#\n# Example Sieve Filter\n# Declare any optional features or extension used by the "
       "script\n#\nrequire [\"fileinto\"];\n\n#\n# Handle messages from known mailing lists\n# "
       "Move messages from IETF filter discussion list to filter mailbox\n#\nif header :is "
       "\"Sender\" \"owner-ietf-mta-filters@imc.org\"\n        {\n        fileinto \"filter\";  # "
       "move to \"filter\" mailbox\n        }\n#\n# Keep all messages to or from people in my "
       "company\n#\nelsif address :DOMAIN :is [\"From\", \"To\"] \"example.com\"\n        {\n     "
       "   keep;               # keep in \"In\" mailbox\n        }\n\n#\n# Try and catch "
       "unsolicited email.  If a message is not to me,\n# or it contains a subject known to be "
       "spam, file it away.\n#\nelsif anyof (NOT address :all :contains\n               [\"To\", "
       "\"Cc\", \"Bcc\"] \"me@example.com\",\n             header :matches \"subject\"\n         "
       "      [\"*make*money*fast*\", \"*university*dipl*mas*\"])\n        {\n        fileinto "
       "\"spam\";   # move to \"spam\" mailbox\n        }\nelse\n        {\n        # Move all "
       "other (non-company) mail to \"personal\"\n        # mailbox.\n        fileinto "
       "\"personal\";\n        }\n"},
  };
  return v;
}

TEST(RfcExamples, AllCompile) {
  for (const auto& [name, src] : rfc_scripts()) {
    SCOPED_TRACE(name);
    testing::compile_ok(src);
  }
}

std::string script(std::string_view name) {
  for (const auto& [n, s] : rfc_scripts())
    if (n == name) return s;
  ADD_FAILURE() << "no script " << name;
  return {};
}

TEST(RfcExamples, ElsifDiscardDropsBothMessages) {
  EXPECT_EQ(describe(run(script("3.1 elsif discard"), kMessageA)), V{"discard"});
  EXPECT_EQ(describe(run(script("3.1 elsif discard"), kMessageB)), V{"discard"});
}

TEST(RfcExamples, ElsifRedirectChoosesByMessage) {
  EXPECT_EQ(describe(run(script("3.1 elsif redirect"), kMessageA)), V{"redirect acm@example.com"});
  EXPECT_EQ(describe(run(script("3.1 elsif redirect"), kMessageB)),
            V{"redirect postmaster@example.com"});
  EXPECT_EQ(describe(run(script("3.1 elsif redirect"), testing::kMessage)),
            V{"redirect acm@example.com"});  // "Coyote <...>" contains "coyote"
  EXPECT_EQ(describe(run(script("3.1 elsif redirect"), "From: x@example.com\r\n\r\n")),
            V{"redirect field@example.com"});
}

TEST(RfcExamples, EncodedCharacterDiscardsMessageB) {
  EXPECT_EQ(describe(run(script("2.4.2.4 encoded-character"), kMessageB)), V{"discard"});
  EXPECT_TRUE(run(script("2.4.2.4 encoded-character"), kMessageA).implicit_keep);
}

TEST(RfcExamples, FileintoHarassment) {
  EXPECT_EQ(describe(run(script("4.1 fileinto"), kMessageA)), V{"fileinto INBOX.harassment"});
  EXPECT_TRUE(run(script("4.1 fileinto"), kMessageB).implicit_keep);
}

TEST(RfcExamples, KeepSmallMessages) {
  EXPECT_EQ(describe(run(script("4.3 keep"), kMessageA)), V{"keep"});
  EXPECT_TRUE(run(script("4.3 not size"), kMessageA).implicit_keep);
}

TEST(RfcExamples, Comparator) {
  const std::string src = script("2.7.3 comparator");
  EXPECT_EQ(describe(run(src, "Subject: You can MAKE MONEY FAST\r\n\r\n")), V{"discard"});
  EXPECT_TRUE(run(src, "Subject: You can Make Money Fast\r\n\r\n").implicit_keep);
}

TEST(RfcExamples, ExtendedExample) {
  const std::string src = script("9 extended example");
  EXPECT_EQ(describe(run(src, "Sender: owner-ietf-mta-filters@imc.org\r\n\r\n")),
            V{"fileinto filter"});
  EXPECT_EQ(describe(run(src, "From: a@example.com\r\nTo: me@example.com\r\n\r\n")), V{"keep"});
  EXPECT_EQ(describe(run(src, "From: a@other.example\r\nTo: you@other.example\r\n\r\n")),
            V{"fileinto spam"});
  EXPECT_EQ(describe(run(src,
                         "From: a@other.example\r\nTo: me@example.com\r\n"
                         "Subject: Make lots of MONEY fast\r\n\r\n")),
            V{"keep"});  // the To domain is example.com: the second rule wins
  EXPECT_EQ(
      describe(run(src, "From: a@other.example\r\nCc: me@example.com\r\nSubject: hi\r\n\r\n")),
      V{"fileinto personal"});
}

TEST(RfcExamples, Caffeine) {
  // §5.7: "X-Caffeine: C8H10N4O2": :is "" false, :contains "" true.
  EXPECT_TRUE(run(script("5.7 header is empty")).implicit_keep);
  EXPECT_EQ(describe(run(script("5.7 header contains empty"))), V{"discard"});
  // Absent header matches nothing, not even "".
  EXPECT_TRUE(run(script("5.7 header contains empty"), kMessageA).implicit_keep);
  // Absent or blank Cc.
  EXPECT_EQ(describe(run(script("5.7 not header matches"), kMessageA)), V{"discard"});
  EXPECT_EQ(describe(run(script("5.7 not header matches"), "Cc:   \r\n\r\n")), V{"discard"});
  EXPECT_TRUE(run(script("5.7 not header matches"), "Cc: a@b.c\r\n\r\n").implicit_keep);
}

TEST(RfcExamples, ExistsNeedsEveryHeader) {
  EXPECT_TRUE(run(script("5.5 exists"), kMessageA).implicit_keep);
  EXPECT_EQ(describe(run(script("5.5 exists"), "From: a@b.c\r\n\r\n")), V{"discard"});
}

TEST(RfcExamples, EnvelopeFrom) {
  Envelope e = testing::default_envelope();
  e.from = "tim@example.com";
  EXPECT_EQ(describe(run(script("5.4 envelope"), kMessageA, {}, e)), V{"discard"});
  EXPECT_TRUE(run(script("5.4 envelope"), kMessageA).implicit_keep);
}

// §2.7.1 and §5.2/§5.3: match types, allof and anyof truth tables.
TEST(RfcMatching, MatchTypes) {
  const std::string msg = "Subject: frobnitzm\r\n\r\n";
  auto t = [&](std::string_view test) { return testing::test_true("", test, msg); };
  EXPECT_TRUE(t("header :contains \"Subject\" \"frob\""));
  EXPECT_TRUE(t("header :contains \"Subject\" \"nit\""));
  EXPECT_FALSE(t("header :contains \"Subject\" \"fbm\""));
  EXPECT_TRUE(t("header :contains \"Subject\" \"\""));
  EXPECT_TRUE(t("header :is \"Subject\" \"frobnitzm\""));
  EXPECT_FALSE(t("header :is \"Subject\" \"frob\""));
  EXPECT_FALSE(t("header :is \"Subject\" \"\""));
  EXPECT_TRUE(t("header \"Subject\" \"FROBNITZM\""));  // default :is, i;ascii-casemap
  EXPECT_TRUE(t("header :matches \"Subject\" \"f*z?\""));
  EXPECT_FALSE(t("header :matches \"Subject\" \"f*z\""));
  EXPECT_TRUE(t("header :matches \"Subject\" \"*\""));
  EXPECT_TRUE(t("header :is \"Subject\" [\"x\", \"frobnitzm\"]"));
  EXPECT_TRUE(t("header :is [\"To\", \"Subject\"] \"frobnitzm\""));
}

TEST(RfcMatching, AllofAnyof) {
  auto t = [](std::string_view test) { return testing::test_true("", test); };
  EXPECT_FALSE(t("allof (false, false)"));
  EXPECT_FALSE(t("allof (false, true)"));
  EXPECT_TRUE(t("allof (true, true)"));
  EXPECT_FALSE(t("anyof (false, false)"));
  EXPECT_TRUE(t("anyof (false, true)"));
  EXPECT_TRUE(t("anyof (true, true)"));
  EXPECT_TRUE(t("not false"));
  EXPECT_FALSE(t("not true"));
  EXPECT_TRUE(t("not anyof (false, not true)"));
}

TEST(RfcMatching, AddressParts) {
  const std::string msg =
      "From: Tim <Tim@Example.COM>\r\nTo: a@b.c, \"x y\" <me@example.com>\r\n\r\n";
  auto t = [&](std::string_view test) { return testing::test_true("", test, msg); };
  EXPECT_TRUE(t("address :is :all \"from\" \"tim@example.com\""));
  EXPECT_FALSE(t("address :is :all :comparator \"i;octet\" \"from\" \"tim@example.com\""));
  EXPECT_TRUE(t("address :localpart \"from\" \"tim\""));
  EXPECT_TRUE(t("address :domain \"from\" \"example.com\""));
  EXPECT_FALSE(t("address :is \"from\" \"Tim <Tim@Example.COM>\""));  // the phrase is not matched
  EXPECT_TRUE(t("address :is \"to\" \"me@example.com\""));
}

TEST(RfcMatching, Size) {
  const std::string msg = "Subject: x\r\n\r\n" + std::string(2000, 'a') + "\r\n";
  auto t = [&](std::string_view test) { return testing::test_true("", test, msg); };
  EXPECT_TRUE(t("size :over 1K"));
  EXPECT_FALSE(t("size :under 1K"));
  EXPECT_TRUE(t("size :under 1M"));
  EXPECT_FALSE(t("size :over 1M"));
  const auto n = static_cast<std::uint64_t>(msg.size());
  EXPECT_FALSE(t("size :over " + std::to_string(n)));   // strictly greater
  EXPECT_FALSE(t("size :under " + std::to_string(n)));  // strictly less
  EXPECT_TRUE(t("size :over " + std::to_string(n - 1)));
  EXPECT_TRUE(t("size :under " + std::to_string(n + 1)));
}

}  // namespace
}  // namespace zest::interp
