// sieve-filter's rules for a stored message (Pigeonhole's sieve-filter(1)):
// where copies go, when the source is changed, the discard actions.
#include "tools/folder_filter.hpp"

#include <gtest/gtest.h>

namespace zest::tools {
namespace {

using interp::RunOutput;
using S = FilterPlan::Source;

FilterOptions opts(bool write, DiscardAction d = DiscardAction::Keep) {
  FilterOptions o;
  o.root = "/m";
  o.source = "/m";  // INBOX
  o.default_mailbox = "";
  o.source_write = write;
  o.discard = d;
  o.move_mailbox = "Trash";
  return o;
}

RunOutput fileinto(const std::string& box, bool copy = false) {
  RunOutput out;
  interp::FileintoAction f;
  f.mailbox = box;
  f.copy = copy;
  out.actions.push_back(f);
  out.implicit_keep = copy;
  return out;
}

TEST(FolderFilter, ImplicitKeepStaysInSource) {
  RunOutput out;
  auto p = plan_message(out, {}, opts(true));
  EXPECT_TRUE(p.keep_original);
  EXPECT_TRUE(p.copies.empty());
  EXPECT_EQ(p.source, S::Kept);
  EXPECT_FALSE(p.flags);
}

TEST(FolderFilter, FileintoMovesOnlyWithW) {
  auto p = plan_message(fileinto("Lists/a"), {}, opts(true));
  ASSERT_EQ(p.copies.size(), 1u);
  EXPECT_EQ(p.copies[0].dir, "/m/.Lists.a");
  EXPECT_EQ(p.source, S::Moved);
  p = plan_message(fileinto("Lists/a"), {}, opts(false));
  EXPECT_EQ(p.source, S::Untouched);
  p = plan_message(fileinto("Lists/a", true), {}, opts(true));
  EXPECT_EQ(p.source, S::Kept);
}

TEST(FolderFilter, DiscardActions) {
  RunOutput out;
  out.actions.push_back(interp::DiscardAction{});
  out.implicit_keep = false;
  EXPECT_EQ(plan_message(out, {}, opts(true)).source, S::Left);
  EXPECT_EQ(plan_message(out, {}, opts(true, DiscardAction::Move)).source, S::MovedTo);
  EXPECT_EQ(plan_message(out, {}, opts(true, DiscardAction::Delete)).source, S::FlaggedDeleted);
  EXPECT_EQ(plan_message(out, {}, opts(true, DiscardAction::Expunge)).source, S::Expunged);
  EXPECT_EQ(plan_message(out, {}, opts(false, DiscardAction::Expunge)).source, S::Untouched);
}

TEST(FolderFilter, NewFlagsOnTheKeptOriginal) {
  RunOutput out;
  out.implicit_keep_flags = {"\\Flagged", "\\Seen"};
  auto p = plan_message(out, {"\\Seen"}, opts(true));
  ASSERT_TRUE(p.flags);
  EXPECT_EQ(*p.flags, (interp::Flags{"\\Flagged", "\\Seen"}));
  out.implicit_keep_flags = {"\\Seen"};
  EXPECT_FALSE(plan_message(out, {"\\Seen"}, opts(true)).flags);
}

TEST(FolderFilter, DefaultMailboxElsewhereMovesKeptMessages) {
  auto o = opts(true);
  o.default_mailbox = "Archive";
  RunOutput out;
  auto p = plan_message(out, {}, o);
  ASSERT_EQ(p.copies.size(), 1u);
  EXPECT_EQ(p.copies[0].mailbox, "Archive");
  EXPECT_EQ(p.source, S::Moved);
}

TEST(FolderFilter, RuntimeErrorKeepsWithTheMessageFlags) {
  RunOutput out;
  out.status = RunOutput::Status::RuntimeError;
  auto o = opts(true);
  o.default_mailbox = "Archive";
  auto p = plan_message(out, {"\\Seen"}, o);
  ASSERT_EQ(p.copies.size(), 1u);
  EXPECT_EQ(p.copies[0].flags, (interp::Flags{"\\Seen"}));
}

TEST(FolderFilter, OutgoingActionsAreListed) {
  RunOutput out;
  out.actions.push_back(interp::RedirectAction{"bob@example.org", false});
  out.implicit_keep = false;
  auto p = plan_message(out, {}, opts(true));
  ASSERT_EQ(p.outgoing.size(), 1u);
  EXPECT_EQ(p.outgoing[0], "redirect to <bob@example.org>");
  EXPECT_EQ(p.source, S::Left);
}

TEST(FolderFilter, BadMailboxNameIsAnError) {
  auto p = plan_message(fileinto("a.b"), {}, opts(true));
  EXPECT_NE(p.error.find("a.b"), std::string::npos);
}

}  // namespace
}  // namespace zest::tools
