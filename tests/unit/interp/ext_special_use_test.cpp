// RFC 8579 special-use: fileinto :specialuse and specialuse_exists, with a
// host that knows one special-use mailbox.
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::registry;

class SpecialUseHost : public Host {
 public:
  bool special_use_exists(std::optional<std::string_view> mailbox, std::string_view flag) override {
    return flag == "\\Junk" && (!mailbox || *mailbox == "Spam");
  }
};

RunOutput run_with_host(std::string_view src) {
  auto r = compile(src, registry(), {});
  EXPECT_TRUE(r.program.has_value()) << testing::diag_text(r.diags);
  if (!r.program) return {};
  const mail::Message msg{std::string(testing::kMessage)};
  SpecialUseHost host;
  return run_program(*r.program, msg, testing::default_envelope(), host, {}, registry());
}

TEST(ExtSpecialUse, Rfc8579Section4Example) {
  const auto out = run_with_host(
      "require [\"fileinto\", \"special-use\"];\n"
      "fileinto :specialuse \"\\\\Junk\" \"Spam\";\n");
  ASSERT_EQ(out.actions.size(), 1u);
  const auto& f = std::get<FileintoAction>(out.actions[0]);
  EXPECT_EQ(f.mailbox, "Spam");
  EXPECT_EQ(f.specialuse, std::optional<std::string>("\\Junk"));
}

TEST(ExtSpecialUse, SpecialuseExists) {
  auto holds = [](std::string_view test) {
    const auto out =
        run_with_host("require \"special-use\";\nif " + std::string(test) + " { discard; }");
    return !out.implicit_keep;
  };
  EXPECT_TRUE(holds("specialuse_exists \"\\\\Junk\""));
  EXPECT_TRUE(holds("specialuse_exists \"Spam\" \"\\\\Junk\""));
  EXPECT_FALSE(holds("specialuse_exists \"INBOX\" \"\\\\Junk\""));
  EXPECT_FALSE(holds("specialuse_exists [\"\\\\Junk\", \"\\\\Sent\"]"));
}

TEST(ExtSpecialUse, Errors) {
  EXPECT_NE(testing::compile_errors("require \"special-use\"; if specialuse_exists \"Junk\" {}"),
            "");
  EXPECT_NE(testing::compile_errors(
                "require [\"special-use\", \"fileinto\"]; fileinto :specialuse \"frop\" \"x\";"),
            "");
  EXPECT_NE(
      testing::compile_errors("require \"fileinto\"; fileinto :specialuse \"\\\\Junk\" \"x\";"),
      "");
}

}  // namespace
}  // namespace zest::interp
