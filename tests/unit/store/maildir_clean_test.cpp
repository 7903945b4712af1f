#include "store/maildir_clean.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "store/maildir_tx.hpp"
#include "tests/unit/store/tmp_dir.hpp"

namespace zest::store {
namespace {
namespace fs = std::filesystem;
using std::chrono::hours;

// Creates a file whose access and modification times are `age` before `now`.
void make_file(const fs::path& f, std::chrono::system_clock::time_point now, hours age) {
  std::ofstream(f) << "partial delivery";
  const auto secs =
      std::chrono::duration_cast<std::chrono::seconds>((now - age).time_since_epoch()).count();
  const timespec times[2] = {{secs, 0}, {secs, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, f.c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
}

TEST(MaildirClean, RemovesOnlyStaleTmpFilesInInboxAndFolders) {
  TmpDir t;
  const fs::path md = t.p / "Maildir";
  ASSERT_TRUE(create_maildir(md, false));
  ASSERT_TRUE(create_maildir(md / ".Lists.sieve", true));
  // A fixed clock far from the real one: the test never depends on timing.
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(2'000'000'000));
  make_file(md / "tmp" / "old", now, hours(37));
  make_file(md / "tmp" / "young", now, hours(35));
  make_file(md / ".Lists.sieve" / "tmp" / "old", now, hours(100));
  make_file(md / ".Lists.sieve" / "tmp" / "young", now, hours(1));
  make_file(md / "new" / "old", now, hours(100));  // only tmp/ is swept
  make_file(md / ".Lists.sieve" / "cur" / "old", now, hours(100));
  fs::create_directory(md / "tmp" / "subdir");  // directories are left alone
  make_file(md / "dovecot-keywords", now, hours(100));

  const TmpCleanup r = clean_maildir_tmp(md, now);
  EXPECT_EQ(r.removed, 2u);
  EXPECT_EQ(r.failed, 0u);
  EXPECT_FALSE(fs::exists(md / "tmp" / "old"));
  EXPECT_TRUE(fs::exists(md / "tmp" / "young"));
  EXPECT_FALSE(fs::exists(md / ".Lists.sieve" / "tmp" / "old"));
  EXPECT_TRUE(fs::exists(md / ".Lists.sieve" / "tmp" / "young"));
  EXPECT_TRUE(fs::exists(md / "new" / "old"));
  EXPECT_TRUE(fs::exists(md / ".Lists.sieve" / "cur" / "old"));
  EXPECT_TRUE(fs::is_directory(md / "tmp" / "subdir"));
  EXPECT_TRUE(fs::exists(md / "dovecot-keywords"));

  // A second sweep finds nothing; a later clock catches the young files.
  EXPECT_EQ(clean_maildir_tmp(md, now).removed, 0u);
  EXPECT_EQ(clean_maildir_tmp(md, now + hours(2)).removed, 1u);
  EXPECT_EQ(clean_maildir_tmp(md, now + hours(36)).removed, 1u);
}

TEST(MaildirClean, RecentAccessKeepsAFile) {
  TmpDir t;
  const fs::path md = t.p / "Maildir";
  ASSERT_TRUE(create_maildir(md, false));
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(2'000'000'000));
  const fs::path f = md / "tmp" / "being-read";
  make_file(f, now, hours(48));
  const auto recent =
      std::chrono::duration_cast<std::chrono::seconds>((now - hours(1)).time_since_epoch());
  const timespec times[2] = {{recent.count(), 0}, {0, UTIME_OMIT}};  // atime only
  ASSERT_EQ(::utimensat(AT_FDCWD, f.c_str(), times, 0), 0);
  EXPECT_EQ(clean_maildir_tmp(md, now).removed, 0u);
  EXPECT_TRUE(fs::exists(f));
}

TEST(MaildirClean, MissingMaildirIsNoError) {
  TmpDir t;
  const TmpCleanup r = clean_maildir_tmp(t.p / "nope", std::chrono::system_clock::now());
  EXPECT_EQ(r.removed + r.failed, 0u);
}

}  // namespace
}  // namespace zest::store
