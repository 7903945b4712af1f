// The deprecated draft notify and imapflags extensions: actions as old
// scripts expect them, denotify, and the conflicts with enotify/imap4flags.
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::compile_errors;
using testing::run;

TEST(DraftNotify, ComposesMailWithSubstitutions) {
  const RunOutput out =
      run("require \"notify\";\n"
          "notify :low :message \"$from$: $subject$\" :options [\"x@example.com\", "
          "\"y@example.com\"];");
  ASSERT_EQ(out.actions.size(), 1u);
  const auto& n = std::get<NotifyAction>(out.actions[0]);
  EXPECT_EQ(n.options, (std::vector<std::string>{"x@example.com", "y@example.com"}));
  EXPECT_EQ(n.importance, 3);
  EXPECT_NE(n.message->find("Coyote <coyote@desert.example.org>: I have a present for you"),
            std::string::npos);
  EXPECT_NE(n.message->find("Auto-Submitted: auto-generated (notify)"), std::string::npos);
}

TEST(DraftNotify, DenotifyById) {
  const RunOutput out =
      run("require \"notify\";\n"
          "notify :options \"a@example.com\" :id \"one\";\n"
          "notify :options \"b@example.com\" :id \"two\";\n"
          "denotify :is \"one\";");
  ASSERT_EQ(out.actions.size(), 1u);
  EXPECT_EQ(std::get<NotifyAction>(out.actions[0]).options,
            (std::vector<std::string>{"b@example.com"}));
}

TEST(DraftNotify, ConflictsWithEnotify) {
  EXPECT_NE(
      compile_errors("require [\"enotify\", \"notify\"]; keep;").find("cannot be used together"),
      std::string::npos);
  EXPECT_NE(compile_errors("require \"notify\"; notify :options \"not an address\";")
                .find("invalid recipient"),
            std::string::npos);
}

TEST(Imapflags, MarkAndFlags) {
  const RunOutput out =
      run("require [\"imapflags\", \"fileinto\"];\n"
          "setflag \"\\\\Seen\"; mark; fileinto \"a\"; unmark; removeflag \"\\\\Seen\";");
  ASSERT_EQ(out.actions.size(), 1u);
  EXPECT_EQ(std::get<FileintoAction>(out.actions[0]).flags, (Flags{"\\Flagged", "\\Seen"}));
  EXPECT_NE(compile_errors("require [\"imapflags\", \"imap4flags\"]; keep;").find("together"),
            std::string::npos);
}

}  // namespace
}  // namespace zest::interp
