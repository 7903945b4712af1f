// RFC 8580 :fcc on notify (vacation's is in ext_vacation_test.cpp).
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::compile_errors;
using testing::run;

TEST(ExtFcc, NotifyAcceptsFccAndItsMailboxOptions) {
  EXPECT_EQ(compile_errors("require [\"enotify\", \"fcc\", \"mailbox\", \"imap4flags\"];\n"
                           "notify :fcc \"Sent\" :create :flags \"\\\\Seen\" "
                           "\"mailto:a@example.com\";"),
            "");
  // :fcc needs the fcc capability.
  EXPECT_NE(compile_errors("require \"enotify\"; notify :fcc \"Sent\" \"mailto:a@example.com\";"),
            "");
  // RFC 8580 §4: the mailbox options only qualify :fcc.
  const std::string err = compile_errors(
      "require [\"enotify\", \"fcc\", \"mailbox\"]; notify :create \"mailto:a@example.com\";");
  EXPECT_NE(err.find("the notify command's mailbox options require the :fcc tag"),
            std::string::npos)
      << err;
  EXPECT_NE(compile_errors("require [\"enotify\", \"fcc\"]; notify :fcc \"\xff\" "
                           "\"mailto:a@example.com\";")
                .find("not valid UTF-8"),
            std::string::npos);
}

TEST(ExtFcc, NotifyActionCarriesTheTarget) {
  const auto out =
      run("require [\"enotify\", \"fcc\", \"mailbox\", \"imap4flags\", \"variables\"];\n"
          "set \"box\" \"Sent\";\n"
          "notify :fcc \"${box}\" :create :flags \"\\\\Seen\" \"mailto:a@example.com\";");
  ASSERT_EQ(out.status, RunOutput::Status::Ok);
  ASSERT_EQ(out.actions.size(), 1u);
  const auto* n = std::get_if<NotifyAction>(&out.actions[0]);
  ASSERT_NE(n, nullptr);
  ASSERT_TRUE(n->fcc);
  EXPECT_EQ(n->fcc->mailbox, "Sent");
  EXPECT_TRUE(n->fcc->create);
  EXPECT_EQ(n->fcc->flags, std::vector<std::string>{"\\Seen"});
  EXPECT_TRUE(out.implicit_keep);  // notify never cancels the implicit keep
}

}  // namespace
}  // namespace zest::interp
