// Storage used by a Maildir++ for [quota] storage: the S= sizes of the
// messages in new/ and cur/ of INBOX and every folder, stat() for names
// without one; tmp/, dot files and what is not a folder do not count.
#include "store/quota.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/unit/store/tmp_dir.hpp"

namespace zest::store {
namespace {
namespace fs = std::filesystem;

void folder(const fs::path& dir) {
  for (const char* sub : {"new", "cur", "tmp"}) fs::create_directories(dir / sub);
}

void file(const fs::path& f, std::size_t bytes) {
  std::ofstream(f, std::ios::binary) << std::string(bytes, 'x');
}

TEST(MaildirUsage, NothingThereUsesNothing) {
  TmpDir t;
  EXPECT_EQ(maildir_usage(t.p / "Maildir"), 0u);  // not created yet
  folder(t.p / "Maildir");
  EXPECT_EQ(maildir_usage(t.p / "Maildir"), 0u);
}

TEST(MaildirUsage, SizesFromTheNamesOfNewAndCur) {
  TmpDir t;
  const fs::path md = t.p / "Maildir";
  folder(md);
  // The S= field wins over the real size (Dovecot and zest write it).
  file(md / "new" / "1700000000.M1P1Q1.host,S=1000", 10);
  file(md / "cur" / "1700000001.M1P1Q2.host,S=2500:2,S", 10);
  file(md / "cur" / "1700000002.M1P1Q3.host,S=40,W=42:2,", 10);
  EXPECT_EQ(maildir_usage(md), 3540u);
}

TEST(MaildirUsage, StatWhenTheNameHasNoSize) {
  TmpDir t;
  const fs::path md = t.p / "Maildir";
  folder(md);
  file(md / "new" / "1700000000.M1P1Q1.host", 123);
  file(md / "cur" / "1700000001.M1P1Q2.host:2,S", 77);
  file(md / "cur" / "1700000002.M1P1Q3.host,S=abc:2,", 5);  // unreadable S=
  EXPECT_EQ(maildir_usage(md), 205u);
}

TEST(MaildirUsage, FoldersCountTmpAndDotFilesDoNot) {
  TmpDir t;
  const fs::path md = t.p / "Maildir";
  folder(md);
  folder(md / ".Lists");
  folder(md / ".Lists.sieve");
  file(md / "new" / "a,S=100", 1);
  file(md / ".Lists" / "cur" / "b,S=200:2,S", 1);
  file(md / ".Lists.sieve" / "new" / "c,S=300", 1);
  file(md / "tmp" / "d,S=5000", 1);              // a delivery in progress
  file(md / ".Lists" / "tmp" / "e,S=5000", 1);   // in a folder too
  file(md / "new" / ".hidden,S=5000", 1);        // not a message
  file(md / ".notafolder", 5000);                // a file, not a folder
  file(md / "dovecot-uidlist", 5000);            // index files do not count
  fs::create_directories(md / "plain" / "new");  // not a Maildir++ folder name
  file(md / "plain" / "new" / "f,S=5000", 1);
  EXPECT_EQ(maildir_usage(md), 600u);
}

TEST(MaildirUsage, AnUnreadableMaildirCountsAsEmpty) {
  TmpDir t;
  file(t.p / "Maildir", 10);  // a file where the Maildir should be
  EXPECT_EQ(maildir_usage(t.p / "Maildir"), 0u);
}

}  // namespace
}  // namespace zest::store
