// The folder walk sieve-filter and the benchmark share: files of cur/ and
// new/ with UIDs from dovecot-uidlist and flags from the info letters and
// dovecot-keywords; flag changes keep the base name (so the UID).
#include "store/maildir_walk.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/unit/store/tmp_dir.hpp"

namespace zest::store {
namespace {

namespace fs = std::filesystem;

void put(const fs::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

TEST(MaildirWalk, ListsInUidOrderWithFlags) {
  TmpDir t;
  ASSERT_TRUE(create_maildir(t.p, false));
  put(t.p / "dovecot-uidlist", "3 V1700000000 N4\n2 :b.host,S=1\n1 :a.host,S=1\n");
  put(t.p / "dovecot-keywords", "0 $Junk\n1 Work\n");
  put(t.p / "cur" / "b.host,S=1:2,Sb", "x\n");
  put(t.p / "new" / "a.host,S=1", "y\n");
  put(t.p / "new" / "c.host,S=1", "z\n");
  put(t.p / "cur" / "d.host,S=1:2,TS", "w\n");
  auto l = list_folder(t.p);
  ASSERT_TRUE(l);
  EXPECT_EQ(l.value().uidvalidity, 1700000000u);
  const auto& m = l.value().messages;
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].uid, 1u);
  EXPECT_EQ(m[0].file_name, "a.host,S=1");
  EXPECT_EQ(m[1].uid, 2u);
  EXPECT_EQ(m[1].flags, (std::vector<std::string>{"\\Seen", "Work"}));
  EXPECT_EQ(m[2].uid, 0u);
  EXPECT_EQ(m[2].file_name, "c.host,S=1");
  EXPECT_TRUE(m[3].deleted());
  EXPECT_EQ(read_stored(m[0]), "y\n");
  EXPECT_FALSE(list_folder(t.p / "nope"));
}

TEST(MaildirWalk, SetFlagsKeepsTheBaseNameAndExpungeRemoves) {
  TmpDir t;
  ASSERT_TRUE(create_maildir(t.p, false));
  put(t.p / "new" / "a.host,S=1", "y\n");
  auto l = list_folder(t.p);
  ASSERT_TRUE(l);
  const StoredMessage m = l.value().messages.at(0);
  const std::vector<std::string> flags{"\\Flagged", "$Label"};
  auto moved = set_stored_flags(t.p, m, flags);
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved.value(), t.p / "cur" / "a.host,S=1:2,Fa");
  EXPECT_FALSE(fs::exists(m.path));
  auto again = list_folder(t.p);
  ASSERT_TRUE(again);
  EXPECT_EQ(again.value().messages.at(0).flags, (std::vector<std::string>{"$Label", "\\Flagged"}));
  ASSERT_TRUE(expunge_stored(again.value().messages.at(0)));
  EXPECT_TRUE(list_folder(t.p).value().messages.empty());
}

}  // namespace
}  // namespace zest::store
