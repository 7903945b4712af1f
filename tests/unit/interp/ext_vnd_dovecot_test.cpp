// vnd.dovecot.environment (items and the env namespace), vnd.dovecot.report
// (the report action) and RFC 9042 mailboxid.
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::compile_errors;
using testing::run;

TEST(ExtVndDovecotEnvironment, ItemsAndNamespace) {
  EngineSettings s;
  s.values["env_display_name"] = "Jan Jansen";
  const auto out = run(
      "require [\"vnd.dovecot.environment\", \"variables\"];\n"
      "if not environment :is \"vnd.dovecot.default-mailbox\" \"INBOX\" { discard; }\n"
      "if not environment :is \"vnd.dovecot.config.display_name\" \"Jan Jansen\" { discard; }\n"
      "if not string \"${env.vnd.dovecot.default_mailbox}\" \"INBOX\" { discard; }\n"
      "if not string \"${env.phase}\" \"during\" { discard; }\n",
      testing::kMessage, s);
  ASSERT_EQ(out.status, RunOutput::Status::Ok);
  EXPECT_TRUE(out.implicit_keep);
  EXPECT_NE(compile_errors("require [\"vnd.dovecot.environment\", \"variables\"];"
                           "set \"env.x\" \"y\";"),
            "");
}

TEST(ExtVndDovecotReport, ReportAction) {
  const auto out = run(
      "require \"vnd.dovecot.report\";\n"
      "report :headers_only \"abuse\" \"This message is spam!\" \"abuse@example.com\";\n");
  ASSERT_EQ(out.status, RunOutput::Status::Ok);
  ASSERT_EQ(out.actions.size(), 1u);
  const auto& r = std::get<ReportAction>(out.actions[0]);
  EXPECT_EQ(r.feedback_type, "abuse");
  EXPECT_EQ(r.address, "abuse@example.com");
  EXPECT_TRUE(r.headers_only);
  EXPECT_TRUE(out.implicit_keep);
  EXPECT_NE(compile_errors("require \"vnd.dovecot.report\"; report \"?\" \"m\" \"a@b.c\";"), "");
  EXPECT_NE(compile_errors("require \"vnd.dovecot.report\"; report \"abuse\" \"m\";"), "");
}

TEST(ExtMailboxId, Rfc9042Example) {
  // §4 example: file by id, falling back to the name.
  const auto out = run(
      "require [\"fileinto\", \"mailboxid\"];\n"
      "if header :contains \"subject\" \"present\" {\n"
      "  fileinto :mailboxid \"F6352ae03-b7f5-463c-896f-d8b48ee3\" \"INBOX.Other\";\n"
      "}\n");
  ASSERT_EQ(out.actions.size(), 1u);
  const auto& f = std::get<FileintoAction>(out.actions[0]);
  EXPECT_EQ(f.mailboxid.value_or(""), "F6352ae03-b7f5-463c-896f-d8b48ee3");
  // Without a host that knows the id, mailboxidexists is false.
  const auto t = run("require \"mailboxid\"; if mailboxidexists \"F1\" { discard; }");
  EXPECT_TRUE(t.implicit_keep);
  EXPECT_NE(compile_errors("require [\"fileinto\", \"mailboxid\"]; fileinto :mailboxid \"a b\" "
                           "\"x\";"),
            "");
}

}  // namespace
}  // namespace zest::interp
