// RFC 5235 spamtest, spamtestplus and virustest with Pigeonhole-style
// configuration of where the verdict is read from.
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::describe;
using testing::run;
using V = std::vector<std::string>;

constexpr std::string_view kMessage =
    "From: a@example.org\r\n"
    "X-Spam-Score: No, score=2.5 required=5.0\r\n"
    "X-Virus: Found to be infected.\r\n"
    "\r\n"
    "x\r\n";

EngineSettings score_settings() {
  EngineSettings s;
  s.values["spamtest_status_header"] = "X-Spam-Score: score=(-?[0-9]+\\.[0-9]+)";
  s.values["spamtest_max_header"] = "X-Spam-Score: required=(-?[0-9]+\\.[0-9]+)";
  s.values["spamtest_status_type"] = "score";
  s.values["virustest_status_header"] = "X-Virus:Found to be (.+)\\.";
  s.values["virustest_status_type"] = "text";
  s.values["virustest_text_value1"] = "clean";
  s.values["virustest_text_value5"] = "infected";
  return s;
}

TEST(ExtSpamtest, Rfc5235Section3Examples) {
  // §3.3 example (spamtest with :value and i;ascii-numeric).
  const std::string script =
      "require [\"spamtest\", \"fileinto\", \"relational\", \"comparator-i;ascii-numeric\"];\n"
      "if spamtest :value \"eq\" :comparator \"i;ascii-numeric\" \"0\" {\n"
      "  fileinto \"INBOX.unclassified\";\n"
      "} elsif spamtest :value \"ge\" :comparator \"i;ascii-numeric\" \"3\" {\n"
      "  fileinto \"INBOX.spam-trap\";\n}\n";
  EXPECT_EQ(describe(run(script, kMessage, score_settings())), V{"fileinto INBOX.spam-trap"});
  EXPECT_EQ(describe(run(script, kMessage)), V{"fileinto INBOX.unclassified"});

  // §3.4 example (virustest).
  const std::string virus =
      "require [\"virustest\", \"fileinto\", \"relational\", \"comparator-i;ascii-numeric\"];\n"
      "if virustest :value \"eq\" :comparator \"i;ascii-numeric\" \"0\" {\n"
      "  fileinto \"INBOX.unclassified\";\n"
      "} elsif virustest :value \"eq\" :comparator \"i;ascii-numeric\" \"4\" {\n"
      "  fileinto \"INBOX.quarantine\";\n"
      "} elsif virustest :value \"eq\" :comparator \"i;ascii-numeric\" \"5\" {\n"
      "  discard;\n}\n";
  EXPECT_EQ(describe(run(virus, kMessage, score_settings())), V{"discard"});
}

TEST(ExtSpamtest, ScoreScalesToOneToTen) {
  // 2.5 of 5.0: 1 + floor(0.5 * 9) = 5; default comparator i;ascii-numeric.
  const auto out =
      run("require [\"spamtest\", \"relational\", \"fileinto\"];\n"
          "if spamtest :value \"eq\" \"5\" { fileinto \"five\"; }\n"
          "if spamtest :value \"gt\" \"10\" { fileinto \"wrong\"; }\n",
          kMessage, score_settings());
  EXPECT_EQ(describe(out), V{"fileinto five"});
}

TEST(ExtSpamtest, PercentNeedsSpamtestplus) {
  const auto out =
      run("require [\"spamtestplus\", \"fileinto\"];\n"
          "if spamtest :percent \"50\" { fileinto \"half\"; }\n",
          kMessage, score_settings());
  EXPECT_EQ(describe(out), V{"fileinto half"});
  EXPECT_NE(testing::compile_errors("require \"spamtest\"; if spamtest :percent \"50\" {}"), "");
}

TEST(ExtSpamtest, StrlenAndMaxValue) {
  EngineSettings s;
  s.values["spamtest_status_header"] = "X-Stars";
  s.values["spamtest_status_type"] = "strlen";
  s.values["spamtest_max_value"] = "8";
  const auto out =
      run("require [\"spamtest\", \"fileinto\"];\n"
          "if spamtest \"8\" { fileinto \"eight\"; }\n",
          "X-Stars: *******\r\n\r\nx\r\n", s);
  EXPECT_EQ(describe(out), V{"fileinto eight"});  // 1 + floor(7/8 * 9)
}

}  // namespace
}  // namespace zest::interp
