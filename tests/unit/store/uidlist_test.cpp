// dovecot-uidlist: parsing Dovecot's files, assigning UIDs at delivery
// under the .lock, and what a crash before commit leaves.
#include "store/uidlist.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "store/maildir_tx.hpp"
#include "tests/unit/store/tmp_dir.hpp"

namespace zest::store {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(UidList, ParsesDovecotVersion3) {
  auto l = parse_uidlist(
      "3 V1700000000 N5 G0123456789abcdef\n"
      "1 :1.M1P1.host,S=10,W=11\n"
      "3 W120 :3.M1P1.host\n");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->header.uidvalidity, 1700000000u);
  EXPECT_EQ(l->header.next_uid, 5u);
  EXPECT_EQ(l->header_rest, " G0123456789abcdef");
  ASSERT_EQ(l->records.size(), 2u);
  EXPECT_EQ(l->records[1].uid, 3u);
  EXPECT_EQ(l->records[1].base, "3.M1P1.host");
  EXPECT_FALSE(parse_uidlist("9 garbage\n"));
  EXPECT_FALSE(parse_uidlist("3 N5\n"));
  EXPECT_EQ(maildir_base_name("1.M2.host,S=3:2,FS"), "1.M2.host,S=3");
}

TEST(UidList, AssignsNextUidsAndKeepsDovecotsLines) {
  TmpDir t;
  { std::ofstream(t.p / "dovecot-uidlist") << "3 V77 N5 Gabc\n4 W9 :old.M1.host\n"; }
  auto lock = UidListLock::acquire(t.p);
  ASSERT_TRUE(lock);
  EXPECT_TRUE(fs::exists(t.p / "dovecot-uidlist.lock"));
  EXPECT_EQ(lock->uidvalidity(), 77u);
  EXPECT_EQ(lock->add("new.M2.host,S=1:2,S"), 5u);
  EXPECT_EQ(lock->add("old.M1.host:2,S"), 4u);  // already listed
  ASSERT_TRUE(lock->prepare());
  ASSERT_TRUE(lock->commit());
  EXPECT_FALSE(fs::exists(t.p / "dovecot-uidlist.lock"));
  // Appended in place, as Dovecot does: N lags, readers take the last UID.
  EXPECT_EQ(slurp(t.p / "dovecot-uidlist"),
            "3 V77 N5 Gabc\n4 W9 :old.M1.host\n5 :new.M2.host,S=1\n");
  EXPECT_EQ(parse_uidlist(slurp(t.p / "dovecot-uidlist"))->header.next_uid, 6u);
}

TEST(UidList, AppendsWithoutRewritingTheList) {
  TmpDir t;
  { std::ofstream(t.p / "dovecot-uidlist") << "3 V77 N2 Gabc\n1 :a.M1.host\n"; }
  const auto inode = [&] {
    struct stat st {};
    ::stat((t.p / "dovecot-uidlist").c_str(), &st);
    return st.st_ino;
  };
  const auto before = inode();
  auto lock = UidListLock::acquire(t.p);
  ASSERT_TRUE(lock);
  EXPECT_EQ(lock->add("b.M2.host"), 2u);
  EXPECT_EQ(lock->add("c.M3.host:2,S"), 3u);
  ASSERT_TRUE(lock->prepare());
  EXPECT_EQ(fs::file_size(t.p / "dovecot-uidlist.lock"), 0u);  // nothing staged in the lock
  ASSERT_TRUE(lock->commit());
  EXPECT_EQ(inode(), before);  // the same file, not a rename over it
  EXPECT_EQ(slurp(t.p / "dovecot-uidlist"),
            "3 V77 N2 Gabc\n1 :a.M1.host\n2 :b.M2.host\n3 :c.M3.host\n");
}

TEST(UidList, ALineCutShortIsDroppedAndTheListRewritten) {
  TmpDir t;
  // A crash in the middle of an append left "2 :b.M2" without its newline.
  { std::ofstream(t.p / "dovecot-uidlist") << "3 V77 N2\n1 :a.M1.host\n2 :b.M2"; }
  auto parsed = parse_uidlist(slurp(t.p / "dovecot-uidlist"));
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->truncated);
  ASSERT_EQ(parsed->records.size(), 1u);
  EXPECT_EQ(parsed->header.next_uid, 2u);
  auto lock = UidListLock::acquire(t.p);
  ASSERT_TRUE(lock);
  EXPECT_EQ(lock->add("c.M3.host"), 2u);
  ASSERT_TRUE(lock->prepare());
  ASSERT_TRUE(lock->commit());
  EXPECT_EQ(slurp(t.p / "dovecot-uidlist"), "3 V77 N3\n1 :a.M1.host\n2 :c.M3.host\n");
}

TEST(UidList, VersionOneListsAreRewrittenAsVersionThree) {
  TmpDir t;
  { std::ofstream(t.p / "dovecot-uidlist") << "1 77 2\n1 a.M1.host\n"; }
  auto lock = UidListLock::acquire(t.p);
  ASSERT_TRUE(lock);
  EXPECT_EQ(lock->add("b.M2.host"), 2u);
  ASSERT_TRUE(lock->prepare());
  ASSERT_TRUE(lock->commit());
  EXPECT_EQ(slurp(t.p / "dovecot-uidlist"), "3 V77 N3\n1 :a.M1.host\n2 :b.M2.host\n");
}

TEST(UidList, AListChangedWithoutTheLockIsRewrittenNotAppendedTo) {
  TmpDir t;
  { std::ofstream(t.p / "dovecot-uidlist") << "3 V77 N2\n1 :a.M1.host\n"; }
  auto lock = UidListLock::acquire(t.p);
  ASSERT_TRUE(lock);
  EXPECT_EQ(lock->add("b.M2.host"), 2u);
  ASSERT_TRUE(lock->prepare());
  // Someone ignoring the lock appends a line of their own.
  { std::ofstream(t.p / "dovecot-uidlist", std::ios::app) << "2 :x.M9.host\n"; }
  ASSERT_TRUE(lock->commit());
  EXPECT_EQ(slurp(t.p / "dovecot-uidlist"), "3 V77 N3\n1 :a.M1.host\n2 :b.M2.host\n");
  EXPECT_FALSE(fs::exists(t.p / "dovecot-uidlist.lock"));
}

TEST(UidList, ASymlinkedListIsReplacedNotWrittenThrough) {
  TmpDir t;
  { std::ofstream(t.p / "elsewhere") << "3 V77 N2\n1 :a.M1.host\n"; }
  fs::create_symlink(t.p / "elsewhere", t.p / "dovecot-uidlist");
  auto lock = UidListLock::acquire(t.p);
  ASSERT_TRUE(lock);
  EXPECT_EQ(lock->add("b.M2.host"), 2u);
  ASSERT_TRUE(lock->prepare());
  ASSERT_TRUE(lock->commit());
  EXPECT_EQ(slurp(t.p / "elsewhere"), "3 V77 N2\n1 :a.M1.host\n");
  EXPECT_FALSE(fs::is_symlink(t.p / "dovecot-uidlist"));
  EXPECT_EQ(slurp(t.p / "dovecot-uidlist"), "3 V77 N3\n1 :a.M1.host\n2 :b.M2.host\n");
}

TEST(UidList, WaitsForTheLockAndGivesUp) {
  TmpDir t;
  auto first = UidListLock::acquire(t.p);
  ASSERT_TRUE(first);
  LockSettings quick;
  quick.wait = std::chrono::milliseconds(50);
  auto second = UidListLock::acquire(t.p, quick);
  EXPECT_FALSE(second);
}

TEST(UidList, UncommittedChangesNothing) {
  TmpDir t;
  {
    auto lock = UidListLock::acquire(t.p);
    ASSERT_TRUE(lock);
    lock->add("a.M1.host");
    ASSERT_TRUE(lock->prepare());
  }
  EXPECT_FALSE(fs::exists(t.p / "dovecot-uidlist"));
  EXPECT_FALSE(fs::exists(t.p / "dovecot-uidlist.lock"));
}

// With and without threads that issue the commit's fsyncs at once
// ([maildir] fsync_threads): the same files, UIDs and list.
class MaildirCommit : public ::testing::TestWithParam<unsigned> {};

TEST_P(MaildirCommit, AssignsUidsInOrder) {
  TmpDir t;
  base::ParallelRunner syncs(GetParam());
  ASSERT_TRUE(create_maildir(t.p, false));
  ASSERT_TRUE(create_maildir(t.p / ".Sub", true));
  MaildirTransaction tx({}, &syncs);
  ASSERT_TRUE(tx.stage(t.p, "a\n", {}));
  ASSERT_TRUE(tx.stage(t.p / ".Sub", "b\n", {}));
  ASSERT_TRUE(tx.stage(t.p, "c\n", {}));
  auto done = tx.commit();
  ASSERT_TRUE(done);
  ASSERT_EQ(done->size(), 3u);
  EXPECT_EQ((*done)[0].uid, 1u);
  EXPECT_EQ((*done)[1].uid, 1u);
  EXPECT_EQ((*done)[2].uid, 2u);
  EXPECT_EQ((*done)[1].path.parent_path().parent_path(), t.p / ".Sub");
  auto l = parse_uidlist(slurp(t.p / "dovecot-uidlist"));
  ASSERT_TRUE(l);
  EXPECT_EQ(l->header.uidvalidity, (*done)[0].uidvalidity);
  ASSERT_EQ(l->records.size(), 2u);
  EXPECT_EQ(l->records[1].base, (*done)[2].path.filename().string());
  // Appended to the list; a flagged copy goes to cur/, so cur/ and new/
  // are both synced beside the list.
  MaildirTransaction tx2({}, &syncs);
  ASSERT_TRUE(tx2.stage(t.p, "d\n", {}));
  const std::vector<std::string> seen{"\\Seen"};
  ASSERT_TRUE(tx2.stage(t.p, "e\n", seen));
  auto done2 = tx2.commit();
  ASSERT_TRUE(done2);
  EXPECT_EQ((*done2)[0].uid, 3u);
  EXPECT_EQ((*done2)[1].uid, 4u);
  EXPECT_EQ((*done2)[1].path.parent_path(), t.p / "cur");
  EXPECT_TRUE(fs::exists((*done2)[0].path));
  EXPECT_TRUE(fs::exists((*done2)[1].path));
  auto l2 = parse_uidlist(slurp(t.p / "dovecot-uidlist"));
  ASSERT_TRUE(l2);
  ASSERT_EQ(l2->records.size(), 4u);
  EXPECT_EQ(l2->records[3].uid, 4u);
  EXPECT_FALSE(fs::exists(t.p / "dovecot-uidlist.lock"));
}

// Copies of one folder share one change of dovecot-keywords, written,
// fsynced and renamed in the commit's rounds; a folder made for the
// delivery has its parent synced at commit.
TEST_P(MaildirCommit, NewKeywordsOfSeveralCopiesInANewFolder) {
  TmpDir t;
  base::ParallelRunner syncs(GetParam());
  ASSERT_TRUE(create_maildir(t.p, false));
  const fs::path sub = t.p / ".Lists";
  ASSERT_TRUE(create_maildir(sub, true, SyncParent::Later));
  MaildirTransaction tx({}, &syncs);
  tx.sync_at_commit(t.p);
  const std::vector<std::string> a{"$A"}, ab{"$B", "$A", "\\Flagged"};
  ASSERT_TRUE(tx.stage(sub, "one\n", a));
  ASSERT_TRUE(tx.stage(sub, "two\n", ab));
  ASSERT_TRUE(tx.stage(t.p, "three\n", {}));
  auto done = tx.commit();
  ASSERT_TRUE(done);
  ASSERT_EQ(done->size(), 3u);
  EXPECT_TRUE((*done)[0].path.filename().string().ends_with(":2,a"));
  EXPECT_TRUE((*done)[1].path.filename().string().ends_with(":2,Fab"));
  EXPECT_EQ((*done)[2].path.parent_path(), t.p / "new");
  EXPECT_EQ(slurp(sub / "dovecot-keywords"), "0 $A\n1 $B\n");
  EXPECT_FALSE(fs::exists(sub / "dovecot-keywords.lock"));
  EXPECT_FALSE(fs::exists(sub / "dovecot-uidlist.lock"));
  for (const auto& c : *done) EXPECT_TRUE(fs::exists(c.path));
  EXPECT_TRUE(fs::is_empty(sub / "tmp"));
  // A later copy with a known keyword leaves the map as it is.
  MaildirTransaction tx2({}, &syncs);
  ASSERT_TRUE(tx2.stage(sub, "four\n", ab));
  auto done2 = tx2.commit();
  ASSERT_TRUE(done2);
  EXPECT_EQ((*done2)[0].uid, 3u);
  EXPECT_TRUE((*done2)[0].path.filename().string().ends_with(":2,Fab"));
  EXPECT_EQ(slurp(sub / "dovecot-keywords"), "0 $A\n1 $B\n");
}

INSTANTIATE_TEST_SUITE_P(FsyncThreads, MaildirCommit, ::testing::Values(0u, 2u));

}  // namespace
}  // namespace zest::store
