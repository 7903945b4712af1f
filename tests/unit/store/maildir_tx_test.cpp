#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/maildir_tx.hpp"
#include "tests/unit/store/tmp_dir.hpp"

namespace zest::store {
namespace {
namespace fs = std::filesystem;

std::size_t count(const fs::path& d) {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(d), fs::directory_iterator()));
}

TEST(MaildirFolder, MapsImapNamesToMaildirPlusPlus) {
  const fs::path r = "/m";
  EXPECT_EQ(*maildir_folder(r, "INBOX"), r);
  EXPECT_EQ(*maildir_folder(r, "inbox"), r);
  EXPECT_EQ(*maildir_folder(r, "Lists/sieve"), r / ".Lists.sieve");
  EXPECT_EQ(*maildir_folder(r, "INBOX/Sub"), r / ".INBOX.Sub");
  EXPECT_EQ(*maildir_folder(r, "Entwürfe"), r / ".Entw&APw-rfe");
  EXPECT_EQ(*maildir_folder(r, "A&B"), r / ".A&-B");
  auto dot = maildir_folder(r, "a.b");
  ASSERT_FALSE(dot);
  EXPECT_NE(dot.error().find("'.' is not allowed"), std::string::npos);
  EXPECT_FALSE(maildir_folder(r, "a//b"));
  EXPECT_FALSE(maildir_folder(r, "/a"));
  EXPECT_FALSE(maildir_folder(r, ""));
}

TEST(MaildirTransaction, NothingVisibleBeforeCommit) {
  TmpDir t;
  ASSERT_TRUE(create_maildir(t.p, false));
  {
    MaildirTransaction tx;
    ASSERT_TRUE(tx.stage(t.p, "Subject: a\n\nb\n", {}));
    EXPECT_EQ(count(t.p / "tmp"), 1u);
    EXPECT_EQ(count(t.p / "new"), 0u);
  }  // not committed: rolled back
  EXPECT_EQ(count(t.p / "tmp"), 0u);
  MaildirTransaction tx;
  const std::vector<std::string> flags = {"\\Seen", "\\Flagged", "work"};
  ASSERT_TRUE(tx.stage(t.p, "Subject: a\n\nb\n", {}));
  ASSERT_TRUE(tx.stage(t.p, "Subject: c\n\nd\n", flags));
  auto done = tx.commit();
  ASSERT_TRUE(done);
  ASSERT_EQ(done->size(), 2u);
  EXPECT_EQ(count(t.p / "tmp"), 0u);
  EXPECT_EQ(count(t.p / "new"), 1u);
  EXPECT_EQ(count(t.p / "cur"), 1u);
  const std::string name = (*done)[1].path.filename().string();
  EXPECT_TRUE(name.ends_with(":2,FSa")) << name;
  EXPECT_NE((*done)[0].path.filename().string().find(",S=14,W=17"), std::string::npos);
  std::ifstream kw(t.p / "dovecot-keywords");
  std::stringstream ss;
  ss << kw.rdbuf();
  EXPECT_EQ(ss.str(), "0 work\n");
}

// Issue 15.3: a keyword with a line break, TAB or space would add lines to
// dovecot-keywords and remap the folder's existing keywords; it is left out.
TEST(MaildirTransaction, InvalidKeywordsNeverReachDovecotKeywords) {
  TmpDir t;
  ASSERT_TRUE(create_maildir(t.p, false));
  { std::ofstream(t.p / "dovecot-keywords") << "0 work\n"; }
  const std::vector<std::string> flags = {"ok",     "bad\n0 evil", "tab\there",
                                          "sp ace", "br]ace",      "caf\xc3\xa9"};
  auto letters = keyword_letters(t.p, flags);
  ASSERT_TRUE(letters);
  EXPECT_EQ(*letters, "b");
  std::ifstream kw(t.p / "dovecot-keywords");
  std::stringstream ss;
  ss << kw.rdbuf();
  EXPECT_EQ(ss.str(), "0 work\n1 ok\n");
}

TEST(MaildirTransaction, StageFailsOnMissingDir) {
  TmpDir t;
  MaildirTransaction tx;
  auto r = tx.stage(t.p / "nope", "x\n", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, StoreErrorKind::Io);
}

}  // namespace
}  // namespace zest::store
