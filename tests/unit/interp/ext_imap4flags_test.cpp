// RFC 5232 imap4flags: flag commands, hasflag, the internal variable and
// :flags (RFC §7 examples).
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::compile_errors;
using testing::describe;
using testing::run;
using V = std::vector<std::string>;

constexpr std::string_view kReq = "require [\"imap4flags\", \"fileinto\", \"variables\"];\n";

RunOutput flags_run(std::string_view body) {
  return run(std::string(kReq) + std::string(body));
}

TEST(Imap4flags, InternalVariableAppliesToImplicitKeep) {
  const RunOutput out = flags_run(
      "setflag \"\\\\Seen  \\\\seen $Work\"; addflag \"\\\\Flagged\";"
      "removeflag \"$work\";");
  EXPECT_TRUE(out.implicit_keep);
  EXPECT_EQ(out.implicit_keep_flags, (V{"\\Flagged", "\\Seen"}));
}

TEST(Imap4flags, FlagsTagOverridesInternalVariable) {
  const RunOutput out =
      flags_run("addflag \"\\\\Seen\"; fileinto :flags \"\\\\Deleted\" \"Trash\"; keep;");
  EXPECT_EQ(describe(out), (V{"fileinto Trash +\\Deleted", "keep +\\Seen"}));
}

TEST(Imap4flags, RfcExampleWithVariable) {
  const RunOutput out = flags_run(
      "addflag \"flagvar\" [\"\\\\Deleted\", \"\\\\Answered\"];"
      "if hasflag :contains \"flagvar\" \"Deleted\" { fileinto :flags \"${flagvar}\" \"X\"; }");
  EXPECT_EQ(describe(out), (V{"fileinto X +\\Answered +\\Deleted"}));
}

TEST(Imap4flags, HasflagMatchTypesAndCount) {
  const std::string req =
      "require [\"imap4flags\", \"variables\", \"relational\", "
      "\"comparator-i;ascii-numeric\"];";
  auto t = [&](std::string_view setup, std::string_view test) {
    const RunOutput out =
        run(req + std::string(setup) + " if " + std::string(test) + " { discard; }");
    return !out.implicit_keep;
  };
  EXPECT_TRUE(t("setflag \"A B\";", "hasflag [\"b\", \"A\"]"));
  EXPECT_TRUE(t("setflag \"A B\";", "hasflag :is \"b A\""));
  EXPECT_FALSE(t("setflag \"\";", "hasflag \"\""));
  EXPECT_TRUE(t("set \"F\" \"A B C A b\";",
                "hasflag :count \"eq\" :comparator \"i;ascii-numeric\" \"F\" \"3\""));
  EXPECT_TRUE(t("set \"MyVar\" \"NonJunk Junk gnus-forward $Forwarded\";",
                "hasflag :contains \"MyVar\" [\"label\", \"forward\"]"));
  EXPECT_FALSE(t("set \"MyVar\" \"NonJunk Junk\";", "hasflag :contains \"MyVar\" \"label\""));
}

TEST(Imap4flags, VariableFlagListsAreNormalized) {
  const RunOutput out =
      flags_run("setflag \"f\" \"$frop \\\\seen $frop \\\\Seen\"; fileinto \"${f}\";");
  EXPECT_EQ(describe(out), (V{"fileinto $frop \\seen"}));
}

TEST(Imap4flags, VariableNameNeedsVariables) {
  EXPECT_NE(compile_errors("require \"imap4flags\"; setflag \"v\" \"A\";"), "");
  EXPECT_NE(compile_errors("require [\"imap4flags\", \"variables\"]; setflag \"1\" \"A\";"), "");
  EXPECT_EQ(compile_errors("require \"imap4flags\"; setflag \"A\"; keep :flags \"B\";"), "");
}

TEST(Imap4flags, LastFlagListWinsOnDuplicates) {
  const RunOutput out = flags_run("keep :flags \"A\"; keep :flags \"B\";");
  EXPECT_EQ(describe(out), (V{"keep +B"}));
}

// Issue 15.3: only RFC 3501 flags are stored. A name fed from a header
// through a match variable, with a line break, TAB or space in it, is left
// out (with a warning), as Pigeonhole does; the valid flags around it stay.
TEST(Imap4flags, InvalidFlagsFromMessageDataAreIgnored) {
  const std::string msg = "Subject: x\r\nX-Label: evil\tname\r\nX-Bad: a(b\r\n\r\nbody\r\n";
  const RunOutput out =
      run(std::string(kReq) + "require \"encoded-character\";" +
              "if header :matches \"X-Label\" \"*\" { addflag \"${1}\"; }"
              "if header :matches \"X-Bad\" \"*\" { addflag [\"ok\", \"${1}\"]; }"
              "set \"nl\" \"${hex:0a}\";"
              "addflag \"line${nl}break\";"
              "fileinto :flags [\"good\", \"sp]ecial\", \"\\\\Recent\"] \"F\"; keep;",
          msg);
  EXPECT_EQ(out.status, RunOutput::Status::Ok);
  EXPECT_EQ(describe(out), (V{"fileinto F +good", "keep +ok"}));
}

TEST(Imap4flags, ConstantInvalidFlagIsAWarningNotAnError) {
  EXPECT_EQ(compile_errors(std::string(kReq) + "addflag \"a{b\"; keep :flags \"c%d\";"), "");
  EXPECT_FALSE(valid_flag("a\nb"));
  EXPECT_FALSE(valid_flag("\\Recent"));
  EXPECT_FALSE(valid_flag(""));
  EXPECT_TRUE(valid_flag("\\sEEn"));
  EXPECT_TRUE(valid_flag("$Label1"));
}

}  // namespace
}  // namespace zest::interp
