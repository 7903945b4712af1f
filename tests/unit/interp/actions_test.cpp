// RFC 5228 §4 and pitfalls §7: implicit keep, what cancels it, duplicate
// merging, limits, run-time errors, discard and stop.
#include <gtest/gtest.h>

#include "interp/actions.hpp"
#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::describe;
using testing::run;
using V = std::vector<std::string>;

FileintoAction fileinto(std::string mailbox, bool copy = false, Flags flags = {}) {
  FileintoAction f;
  f.mailbox = std::move(mailbox);
  f.copy = copy;
  f.flags = std::move(flags);
  return f;
}
RedirectAction redirect(std::string address, bool copy = false) {
  RedirectAction r;
  r.address = std::move(address);
  r.copy = copy;
  return r;
}
RejectAction reject(std::string reason) {
  RejectAction r;
  r.reason = std::move(reason);
  return r;
}
VacationAction vacation(std::string reason) {
  VacationAction v;
  v.seconds = 86400;
  v.reason = std::move(reason);
  return v;
}
NotifyAction notify(std::string uri) {
  NotifyAction n;
  n.uri = std::move(uri);
  n.method = "mailto";
  return n;
}

TEST(ImplicitKeep, EmptyScriptKeeps) {
  const RunOutput out = run("");
  EXPECT_EQ(out.status, RunOutput::Status::Ok);
  EXPECT_TRUE(out.actions.empty());
  EXPECT_TRUE(out.implicit_keep);
}

TEST(ImplicitKeep, CommentOnlyScriptKeeps) {
  EXPECT_TRUE(run("# nothing to do\n/* really */\n").implicit_keep);
}

TEST(ImplicitKeep, CancelledByKeep) {
  const RunOutput out = run("keep;");
  EXPECT_FALSE(out.implicit_keep);
  EXPECT_EQ(describe(out), V{"keep"});
}

TEST(ImplicitKeep, CancelledByFileinto) {
  const RunOutput out = run("require \"fileinto\"; fileinto \"Archive\";");
  EXPECT_FALSE(out.implicit_keep);
  EXPECT_EQ(describe(out), V{"fileinto Archive"});
}

TEST(ImplicitKeep, CancelledByRedirect) {
  const RunOutput out = run("redirect \"bart@example.com\";");
  EXPECT_FALSE(out.implicit_keep);
  EXPECT_EQ(describe(out), V{"redirect bart@example.com"});
}

TEST(ImplicitKeep, CancelledByDiscard) {
  const RunOutput out = run("discard;");
  EXPECT_FALSE(out.implicit_keep);
  EXPECT_EQ(describe(out), V{"discard"});
}

TEST(ImplicitKeep, NotCancelledByFileintoCopy) {
  ActionList list;
  ASSERT_FALSE(list.fileinto(fileinto("Archive", true)));
  EXPECT_TRUE(list.implicit_keep());
  ASSERT_FALSE(list.redirect(redirect("a@example.com", true)));
  EXPECT_TRUE(list.implicit_keep());
  ASSERT_FALSE(list.fileinto(fileinto("INBOX", true)));
  EXPECT_TRUE(list.implicit_keep());
}

TEST(ImplicitKeep, NotCancelledByVacationOrNotify) {
  ActionList list;
  ASSERT_FALSE(list.vacation(vacation("away")));
  ASSERT_FALSE(list.notify(notify("mailto:a@example.com")));
  EXPECT_TRUE(list.implicit_keep());
  EXPECT_EQ(list.actions().size(), 2u);
}

TEST(ImplicitKeep, StopStillKeeps) {
  const RunOutput out = run("stop; discard;");
  EXPECT_EQ(out.status, RunOutput::Status::Ok);
  EXPECT_TRUE(out.implicit_keep);
  EXPECT_TRUE(out.actions.empty());
}

TEST(ImplicitKeep, StopAfterCancellingActionEndsScript) {
  const RunOutput out = run("require \"fileinto\"; fileinto \"A\"; stop; fileinto \"B\";");
  EXPECT_FALSE(out.implicit_keep);
  EXPECT_EQ(describe(out), V{"fileinto A"});
}

TEST(ImplicitKeep, StopInsideNestedBlock) {
  const RunOutput out =
      run("require \"fileinto\";\n"
          "if true { if true { fileinto \"A\"; stop; } fileinto \"B\"; }\n"
          "fileinto \"C\";\n");
  EXPECT_EQ(describe(out), V{"fileinto A"});
}

TEST(Discard, FileintoThenDiscardStillStores) {
  const RunOutput out = run("require \"fileinto\"; fileinto \"X\"; discard;");
  EXPECT_FALSE(out.implicit_keep);
  EXPECT_EQ(describe(out), (V{"fileinto X", "discard"}));
}

TEST(Discard, TwiceIsOneAction) {
  EXPECT_EQ(describe(run("discard; discard;")), V{"discard"});
}

TEST(Duplicates, KeepAndFileintoInboxStoredOnce) {
  const RunOutput out = run("require \"fileinto\"; keep; fileinto \"INBOX\";");
  EXPECT_EQ(describe(out), V{"keep"});
  EXPECT_FALSE(out.implicit_keep);
}

TEST(Duplicates, FileintoInboxAnyCaseIsKeep) {
  EXPECT_EQ(describe(run("require \"fileinto\"; fileinto \"inbox\"; keep;")), V{"keep"});
  EXPECT_EQ(describe(run("require \"fileinto\"; fileinto \"InBoX\";")), V{"keep"});
}

TEST(Duplicates, InboxSubfolderIsCanonicalised) {
  EXPECT_EQ(describe(run("require \"fileinto\"; fileinto \"inbox/Lists\";")),
            V{"fileinto INBOX/Lists"});
  // A first component that merely starts with "inbox" is left alone.
  EXPECT_EQ(describe(run("require \"fileinto\"; fileinto \"inboxes\";")), V{"fileinto inboxes"});
}

TEST(Duplicates, KeepTwiceIsOneKeep) {
  EXPECT_EQ(describe(run("keep; keep;")), V{"keep"});
}

TEST(Duplicates, SameFileintoMerged) {
  const RunOutput out =
      run("require \"fileinto\"; fileinto \"A\"; fileinto \"B\"; fileinto \"A\";");
  EXPECT_EQ(out.status, RunOutput::Status::Ok);
  EXPECT_EQ(describe(out), (V{"fileinto A", "fileinto B"}));
}

TEST(Duplicates, SameRedirectMerged) {
  const RunOutput out =
      run("redirect \"bart@example.com\"; redirect \"lisa@example.com\";"
          "redirect \"bart@example.com\";");
  EXPECT_EQ(out.status, RunOutput::Status::Ok);
  EXPECT_EQ(describe(out), (V{"redirect bart@example.com", "redirect lisa@example.com"}));
}

TEST(Duplicates, MergedRedirectDoesNotCountAgainstLimit) {
  EngineSettings s;
  s.max_redirects = 1;
  const RunOutput out =
      run("redirect \"bart@example.com\"; redirect \"bart@example.com\";", testing::kMessage, s);
  EXPECT_EQ(out.status, RunOutput::Status::Ok);
  EXPECT_EQ(describe(out), V{"redirect bart@example.com"});
}

TEST(Duplicates, RedirectCopyMergedWithPlainRedirectIsNotCopy) {
  ActionList list;
  ASSERT_FALSE(list.redirect(redirect("a@example.com", true)));
  ASSERT_FALSE(list.redirect(redirect("a@example.com", false)));
  ASSERT_EQ(list.actions().size(), 1u);
  EXPECT_FALSE(std::get<RedirectAction>(list.actions()[0]).copy);
  EXPECT_FALSE(list.implicit_keep());
}

TEST(Limits, RedirectLimitIsRuntimeError) {
  EngineSettings s;
  s.max_redirects = 2;
  const RunOutput out =
      run("redirect \"a@example.com\"; redirect \"b@example.com\"; redirect \"c@example.com\";",
          testing::kMessage, s);
  EXPECT_EQ(out.status, RunOutput::Status::RuntimeError);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_NE(out.errors[0].find("number of redirect actions exceeds policy limit"),
            std::string::npos)
      << out.errors[0];
  EXPECT_TRUE(out.actions.empty());
  EXPECT_TRUE(out.implicit_keep);
}

TEST(Limits, RedirectLimitAtExactlyTheLimitIsFine) {
  EngineSettings s;
  s.max_redirects = 2;
  const RunOutput out =
      run("redirect \"a@example.com\"; redirect \"b@example.com\";", testing::kMessage, s);
  EXPECT_EQ(out.status, RunOutput::Status::Ok);
  EXPECT_EQ(out.actions.size(), 2u);
}

TEST(Limits, MaxActionsIsRuntimeError) {
  EngineSettings s;
  s.max_actions = 3;
  const RunOutput ok = run("require \"fileinto\"; fileinto \"A\"; fileinto \"B\"; fileinto \"C\";",
                           testing::kMessage, s);
  EXPECT_EQ(ok.status, RunOutput::Status::Ok);
  const RunOutput out =
      run("require \"fileinto\"; fileinto \"A\"; fileinto \"B\"; fileinto \"C\"; fileinto \"D\";",
          testing::kMessage, s);
  EXPECT_EQ(out.status, RunOutput::Status::RuntimeError);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_NE(out.errors[0].find("exceeds policy limit"), std::string::npos) << out.errors[0];
  EXPECT_TRUE(out.actions.empty());
  EXPECT_TRUE(out.implicit_keep);
}

TEST(Limits, MaxActionsAllowsAtLeastOneKeep) {
  EngineSettings s;
  s.max_actions = 1;
  EXPECT_EQ(run("keep;", testing::kMessage, s).status, RunOutput::Status::Ok);
  EXPECT_EQ(run("require \"fileinto\"; fileinto \"A\";", testing::kMessage, s).status,
            RunOutput::Status::Ok);
}

TEST(RuntimeError, DropsEveryActionAndKeeps) {
  EngineSettings s;
  s.max_redirects = 1;
  const RunOutput out =
      run("require \"fileinto\"; fileinto \"A\"; discard;"
          "redirect \"a@example.com\"; redirect \"b@example.com\"; fileinto \"never\";",
          testing::kMessage, s);
  EXPECT_EQ(out.status, RunOutput::Status::RuntimeError);
  EXPECT_TRUE(out.actions.empty());
  EXPECT_TRUE(out.implicit_keep);
  EXPECT_TRUE(out.implicit_keep_flags.empty());
}

TEST(RuntimeError, ReportsTheLine) {
  EngineSettings s;
  s.max_redirects = 1;
  const RunOutput out =
      run("redirect \"a@example.com\";\n\nredirect \"b@example.com\";\n", testing::kMessage, s);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].rfind("line 3:", 0), 0u) << out.errors[0];
}

TEST(RuntimeError, InstructionBudget) {
  EngineSettings s;
  s.max_instructions = 3;
  const RunOutput out = run("keep; keep; keep; keep; keep; keep;", testing::kMessage, s);
  EXPECT_EQ(out.status, RunOutput::Status::RuntimeError);
  EXPECT_TRUE(out.actions.empty());
  EXPECT_TRUE(out.implicit_keep);
}

TEST(Reject, ConflictsWithKeepFileintoRedirectAndVacation) {
  for (int other = 0; other < 4; ++other) {
    ActionList list;
    switch (other) {
      case 0:
        ASSERT_FALSE(list.keep({}));
        break;
      case 1:
        ASSERT_FALSE(list.fileinto(fileinto("A")));
        break;
      case 2:
        ASSERT_FALSE(list.redirect(redirect("a@example.com")));
        break;
      case 3:
        ASSERT_FALSE(list.vacation(vacation("x")));
        break;
    }
    EXPECT_TRUE(list.reject(reject("no"))) << other;
  }
  ActionList with_discard;
  ASSERT_FALSE(with_discard.discard());
  EXPECT_FALSE(with_discard.reject(reject("no")));
  EXPECT_TRUE(with_discard.reject(reject("again")));
}

TEST(Flags, CanonicalForm) {
  EXPECT_EQ(canonical_flags({"\\seen", "$Invoice", "\\SEEN", "\\draft", "$invoice"}),
            (V{"$Invoice", "\\Draft", "\\Seen"}));
  EXPECT_EQ(canonical_flags({}), V{});
  EXPECT_EQ(split_flags({"\\Seen  \\Flagged", "", "x"}), (V{"\\Seen", "\\Flagged", "x"}));
}

TEST(Flags, MergedFileintoUnitesFlags) {
  ActionList list;
  ASSERT_FALSE(list.fileinto(fileinto("A", false, {"\\Seen"})));
  ASSERT_FALSE(list.fileinto(fileinto("A", false, {"\\Flagged", "\\seen"})));
  ASSERT_EQ(list.actions().size(), 1u);
  EXPECT_EQ(std::get<FileintoAction>(list.actions()[0]).flags, (V{"\\Flagged", "\\Seen"}));
}

TEST(Clear, ResetsEverything) {
  ActionLimits limits;
  limits.max_actions = 2;
  limits.max_redirects = 1;
  ActionList list(limits);
  ASSERT_FALSE(list.redirect(redirect("a@example.com")));
  list.clear();
  EXPECT_TRUE(list.implicit_keep());
  EXPECT_TRUE(list.actions().empty());
  EXPECT_FALSE(list.redirect(redirect("b@example.com")));
}

}  // namespace
}  // namespace zest::interp
