// Results executed in steps (several scripts adding to one result, as the
// testsuite's multiscript files and Pigeonhole's sequential execution do).
#include <gtest/gtest.h>

#include "interp/actions.hpp"

namespace zest::interp {
namespace {

TEST(ActionsExecuted, ConflictWithExecutedActionIsIgnored) {
  ActionList list;
  ASSERT_FALSE(list.fileinto({"INBOX", {}, false, false, std::nullopt, std::nullopt}));
  list.set_executed(1);
  EXPECT_FALSE(list.reject({"no", false}));  // no conflict with what is done
  ASSERT_EQ(list.actions().size(), 2u);
  list.set_executed(2);
  EXPECT_FALSE(list.reject({"again", false}));  // dropped: already rejected
  EXPECT_EQ(list.actions().size(), 2u);
}

TEST(ActionsExecuted, UnexecutedConflictsStillFail) {
  ActionList list;
  ASSERT_FALSE(list.keep({}));
  EXPECT_TRUE(list.reject({"no", false}));
  ActionList twice;
  ASSERT_FALSE(twice.reject({"a", false}));
  EXPECT_TRUE(twice.reject({"b", false}));
}

TEST(ActionsExecuted, ExplicitKeepMergedIntoFileintoInboxIsAKeep) {
  ActionList list;
  ASSERT_FALSE(list.fileinto({"inbox", {}, false, false, std::nullopt, std::nullopt}));
  ASSERT_TRUE(std::get<KeepAction>(list.actions()[0]).from_fileinto);
  ASSERT_FALSE(list.keep({}));
  EXPECT_FALSE(std::get<KeepAction>(list.actions()[0]).from_fileinto);
}

}  // namespace
}  // namespace zest::interp
