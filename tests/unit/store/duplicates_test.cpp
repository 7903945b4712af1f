// The per-user duplicate record (vacation replies, redirects, the
// duplicate extension): what was marked is seen until it expires, across
// reopenings of the file; a file that cannot be read or written forgets.
#include "store/duplicates.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/store/tmp_dir.hpp"

namespace zest::store {
namespace {
namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::seconds;

std::size_t lines_of(const fs::path& f) {
  std::ifstream in(f);
  std::size_t n = 0;
  for (std::string l; std::getline(in, l);) ++n;
  return n;
}

TEST(DuplicateDb, MarkedIdsAreSeenOthersAreNot) {
  TmpDir t;
  const DuplicateDb db(t.p / "dups");
  EXPECT_FALSE(db.seen("vacation:alice@example.org"));
  db.mark("vacation:alice@example.org", hours(1));
  EXPECT_TRUE(db.seen("vacation:alice@example.org"));
  EXPECT_FALSE(db.seen("vacation:bob@example.org"));
  EXPECT_FALSE(db.seen("vacation:alice@example.or"));  // a prefix is another id
  EXPECT_FALSE(db.seen(""));
}

TEST(DuplicateDb, PersistsAcrossReopening) {
  TmpDir t;
  DuplicateDb(t.p / "dups").mark("redirect:<m1@example.net>:a@example.org", hours(12));
  DuplicateDb(t.p / "dups").mark("redirect:<m2@example.net>:a@example.org", hours(12));
  const DuplicateDb again(t.p / "dups");  // another process, a restart
  EXPECT_TRUE(again.seen("redirect:<m1@example.net>:a@example.org"));
  EXPECT_TRUE(again.seen("redirect:<m2@example.net>:a@example.org"));
  EXPECT_EQ(lines_of(t.p / "dups"), 2u);
  // Ids are stored hashed: no address or subject in the file.
  std::ifstream in(t.p / "dups");
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text.find("example"), std::string::npos) << text;
}

TEST(DuplicateDb, ExpiredIdsAreNotSeenAndAreDroppedOnTheNextMark) {
  TmpDir t;
  const DuplicateDb db(t.p / "dups");
  db.mark("old", seconds(-10));  // expired ten seconds ago
  db.mark("now", seconds(0));    // expires at once: the period ends this second
  EXPECT_FALSE(db.seen("old"));
  EXPECT_FALSE(db.seen("now"));
  db.mark("fresh", hours(1));
  EXPECT_TRUE(db.seen("fresh"));
  EXPECT_EQ(lines_of(t.p / "dups"), 1u);  // only the live entry was written back
}

TEST(DuplicateDb, MarkingAgainKeepsTheIdSeen) {
  TmpDir t;
  const DuplicateDb db(t.p / "dups");
  db.mark("id", hours(1));
  db.mark("id", hours(2));
  EXPECT_TRUE(db.seen("id"));
}

TEST(DuplicateDb, UnparsableLinesAreIgnored) {
  TmpDir t;
  std::ofstream(t.p / "dups") << "garbage\n\n12x\n-\n";
  const DuplicateDb db(t.p / "dups");
  EXPECT_FALSE(db.seen("garbage"));
  db.mark("id", hours(1));
  EXPECT_TRUE(db.seen("id"));
  EXPECT_EQ(lines_of(t.p / "dups"), 1u);
}

TEST(DuplicateDb, AnUnusableFileForgetsWithoutFailing) {
  TmpDir t;
  // No such directory: nothing can be read, locked or written.
  const DuplicateDb missing(t.p / "no-such-dir" / "dups");
  missing.mark("id", hours(1));
  EXPECT_FALSE(missing.seen("id"));
  EXPECT_FALSE(fs::exists(t.p / "no-such-dir"));
  // A directory where the file should be: unreadable, and not replaced.
  fs::create_directories(t.p / "dir");
  const DuplicateDb dir(t.p / "dir");
  dir.mark("id", hours(1));
  EXPECT_FALSE(dir.seen("id"));
  EXPECT_TRUE(fs::is_directory(t.p / "dir"));
}

// Issue 15.5: a symlink planted in the home (where the user can write) must
// not redirect the write to its target.
TEST(DuplicateDb, PlantedSymlinksAreNotFollowed) {
  TmpDir t;
  const fs::path victim = t.p / "victim";
  { std::ofstream(victim) << "precious\n"; }
  for (const char* name : {"dups.tmp", "dups.lock"}) fs::create_symlink(victim, t.p / name);
  const DuplicateDb db(t.p / "dups");
  db.mark("id", hours(1));
  std::ifstream in(victim);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "precious\n");
  EXPECT_TRUE(fs::is_symlink(t.p / "dups.tmp"));
  // The state file itself as a symlink: the link is replaced, not its target.
  fs::remove(t.p / "dups.lock");
  fs::remove(t.p / "dups");
  fs::create_symlink(victim, t.p / "dups");
  db.mark("other", hours(1));
  EXPECT_FALSE(fs::is_symlink(t.p / "dups"));
  std::ifstream again(victim);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(again)), {}), "precious\n");
  EXPECT_EQ(fs::status(t.p / "dups").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

// Concurrent deliveries decide through claim(): of many claimers of one
// id, exactly one wins, whichever process or thread they run in.
TEST(DuplicateDb, OnlyOneOfConcurrentClaimsWins) {
  TmpDir t;
  const DuplicateDb db(t.p / "dups");
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      if (DuplicateDb(t.p / "dups").claim("vacation:bob@example.org", seconds(60))) ++winners;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_TRUE(db.seen("vacation:bob@example.org"));
  EXPECT_FALSE(db.claim("vacation:bob@example.org", seconds(60)));
}

TEST(DuplicateDb, AMarkedIdCannotBeClaimed) {
  TmpDir t;
  const DuplicateDb db(t.p / "dups");
  db.mark("redirect:<m@x>:carol@example.org", hours(12));
  EXPECT_FALSE(db.claim("redirect:<m@x>:carol@example.org", seconds(60)));
  EXPECT_TRUE(db.claim("redirect:<m@x>:dave@example.org", seconds(60)));
}

TEST(DuplicateDb, AReleasedClaimCanBeClaimedAgainOthersStay) {
  TmpDir t;
  const DuplicateDb db(t.p / "dups");
  ASSERT_TRUE(db.claim("a", seconds(60)));
  ASSERT_TRUE(db.claim("b", seconds(60)));
  db.release("a");
  EXPECT_FALSE(db.seen("a"));
  EXPECT_TRUE(db.seen("b"));
  EXPECT_TRUE(db.claim("a", seconds(60)));
}

TEST(DuplicateDb, AnExpiredClaimCanBeClaimedAgain) {
  TmpDir t;
  const DuplicateDb db(t.p / "dups");
  ASSERT_TRUE(db.claim("a", seconds(0)));  // expires at once
  EXPECT_TRUE(db.claim("a", seconds(60)));
}

}  // namespace
}  // namespace zest::store
