// Extensions that ask the host: mailbox (RFC 5490 §3), environment
// (RFC 5183), vnd.dovecot.debug; and ihave (RFC 5463) with `error`.
#include <gtest/gtest.h>

#include <set>

#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::compile_errors;
using testing::describe;
using V = std::vector<std::string>;

struct FakeHost : Host {
  std::set<std::string, std::less<>> boxes{"INBOX", "Archive"};
  std::vector<std::string> logged;
  bool mailbox_exists(std::string_view m) override { return boxes.count(m) > 0; }
  std::optional<std::string> environment(std::string_view name) override {
    if (name == "domain") return "example.net";
    return std::nullopt;
  }
  void log(LogLevel, std::string_view m) override { logged.emplace_back(m); }
};

RunOutput run_with(FakeHost& host, std::string_view src, const EngineSettings& settings = {}) {
  auto r = compile(src, testing::registry(), settings);
  EXPECT_TRUE(r.program.has_value()) << testing::diag_text(r.diags) << src;
  if (!r.program) return {};
  const mail::Message msg{std::string(testing::kMessage)};
  return run_program(*r.program, msg, testing::default_envelope(), host, settings,
                     testing::registry());
}

TEST(Mailbox, MailboxExistsNeedsAll) {
  FakeHost h;
  EXPECT_FALSE(
      run_with(h, "require \"mailbox\"; if mailboxexists \"Archive\" { discard; }").implicit_keep);
  EXPECT_TRUE(run_with(h,
                       "require \"mailbox\"; if mailboxexists [\"Archive\", \"Nope\"] "
                       "{ discard; }")
                  .implicit_keep);
}

TEST(Mailbox, FileintoCreate) {
  FakeHost h;
  const RunOutput out =
      run_with(h, "require [\"mailbox\", \"fileinto\"]; fileinto :create \"New\";");
  ASSERT_EQ(out.actions.size(), 1u);
  EXPECT_TRUE(std::get<FileintoAction>(out.actions[0]).create);
  EXPECT_NE(compile_errors("require \"fileinto\"; fileinto :create \"New\";"), "");
}

TEST(Environment, HostValuesAndDefaults) {
  FakeHost h;
  const char* req = "require [\"environment\", \"fileinto\", \"variables\"];";
  auto filed = [&](std::string_view body) {
    const RunOutput out = run_with(h, std::string(req) + std::string(body));
    return out.actions.empty() ? std::string("<none>")
                               : std::get<FileintoAction>(out.actions[0]).mailbox;
  };
  EXPECT_EQ(filed("if environment :matches \"domain\" \"*\" { fileinto \"${1}\"; }"),
            "example.net");
  EXPECT_EQ(filed("if environment :matches \"name\" \"*\" { fileinto \"${1}\"; }"), "zest");
  EXPECT_EQ(filed("if environment \"location\" \"MDA\" { fileinto \"ok\"; }"), "ok");
  EXPECT_EQ(filed("if environment \"phase\" \"during\" { fileinto \"ok\"; }"), "ok");
  // An unknown item matches nothing, not even ""/:count.
  EXPECT_EQ(filed("if environment :contains \"remote-ip\" \"\" { fileinto \"bad\"; }"), "<none>");
}

TEST(Debug, LogsExpandedMessage) {
  FakeHost h;
  run_with(h,
           "require [\"vnd.dovecot.debug\", \"variables\"]; set \"a\" \"b\"; "
           "debug_log \"value ${a}\";");
  EXPECT_EQ(h.logged, V{"value b"});
}

TEST(Ihave, GuardedBlockCompilesOnlyWhenAvailable) {
  FakeHost h;
  RunOutput out = run_with(h,
                           "require \"ihave\";"
                           "if ihave \"nonsense\" { nonsense_command \"x\"; }"
                           "if ihave \"fileinto\" { fileinto \"Box\"; }");
  EXPECT_EQ(describe(out), V{"fileinto Box"});
  // Outside the block the capability is still not required.
  EXPECT_NE(compile_errors("require \"ihave\"; if ihave \"fileinto\" {} fileinto \"Box\";"), "");
  // Restricted capabilities are never available through ihave.
  out = run_with(h, "require \"ihave\"; if ihave \"variables\" { discard; }");
  EXPECT_TRUE(out.implicit_keep);
  // Disabled extensions neither.
  EngineSettings s;
  s.extensions = std::set<std::string, std::less<>>{"ihave"};
  out = run_with(h, "require \"ihave\"; if ihave \"fileinto\" { fileinto \"x\"; }", s);
  EXPECT_TRUE(out.actions.empty());
}

TEST(Ihave, ErrorCommandFails) {
  FakeHost h;
  const RunOutput out = run_with(h, "require \"ihave\"; discard; error \"Something failed.\";");
  EXPECT_EQ(out.status, RunOutput::Status::RuntimeError);
  EXPECT_TRUE(out.implicit_keep);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_NE(out.errors[0].find("Something failed."), std::string::npos);
}

}  // namespace
}  // namespace zest::interp
