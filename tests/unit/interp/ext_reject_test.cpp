// RFC 5429 reject and ereject: the examples of §2.1/§2.2 and the action
// conflicts of §2.3.
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::run;

TEST(ExtReject, Rfc5429Examples) {
  // §2.1 example 1: a message over the size limit.
  const auto big =
      run("require [\"reject\"];\n"
          "if size :over 100 {\n"
          "  reject text:\n"
          "your message is too big.  If you want to send me a big attachment,\n"
          "put it on a public web site and send me a URL.\n"
          ".\n"
          ";\n"
          "}\n");
  ASSERT_EQ(big.status, RunOutput::Status::Ok);
  ASSERT_EQ(big.actions.size(), 1u);
  EXPECT_NE(std::get<RejectAction>(big.actions[0]).reason.find("too big"), std::string::npos);
  EXPECT_FALSE(big.implicit_keep);

  // §2.1 example 2.
  const auto out =
      run("require [\"reject\"];\n"
          "if header :contains \"from\" \"coyote@desert.example.org\" {\n"
          "  reject \"I am not taking mail from you, and I don't\n"
          "  want your birdseed, either!\";\n"
          "}\n");
  ASSERT_EQ(out.status, RunOutput::Status::Ok);
  ASSERT_EQ(out.actions.size(), 1u);
  const auto* r = std::get_if<RejectAction>(&out.actions[0]);
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->reason.find("birdseed"), std::string::npos);
  EXPECT_FALSE(r->ereject);

  // §2.2 example.
  const auto e = run("require \"ereject\"; ereject \"I no longer accept mail from this address\";");
  ASSERT_EQ(e.actions.size(), 1u);
  EXPECT_TRUE(std::get<RejectAction>(e.actions[0]).ereject);
}

TEST(ExtReject, ConflictsWithDeliveringActions) {
  for (const char* other : {"keep;", "fileinto \"x\";", "redirect \"a@example.org\";"}) {
    const std::string script =
        std::string("require [\"reject\", \"fileinto\"];\nreject \"no\";\n") + other;
    EXPECT_EQ(run(script).status, RunOutput::Status::RuntimeError) << other;
    const std::string reversed =
        std::string("require [\"reject\", \"fileinto\"];\n") + other + "\nreject \"no\";";
    EXPECT_EQ(run(reversed).status, RunOutput::Status::RuntimeError) << other;
  }
  EXPECT_EQ(run("require [\"reject\", \"ereject\"]; reject \"a\"; ereject \"b\";").status,
            RunOutput::Status::RuntimeError);
  // discard and reject may go together.
  EXPECT_EQ(run("require \"reject\"; discard; reject \"a\";").status, RunOutput::Status::Ok);
}

TEST(ExtReject, ReasonMustBeUtf8) {
  EXPECT_NE(testing::compile_errors("require [\"reject\", \"encoded-character\"];\n"
                                    "reject \"${hex:ff}\";"),
            "");
  EXPECT_NE(testing::compile_errors("reject \"no\";"), "");
}

}  // namespace
}  // namespace zest::interp
