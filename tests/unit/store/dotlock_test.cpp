// Dotlocks on dovecot-uidlist and dovecot-keywords across processes: many
// processes delivering into one folder at once, a stale lock left by a
// crashed process, a live lock that is waited for, a holder whose lock was
// taken over.
#include "store/dotlock.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "base/file.hpp"
#include "store/maildir_tx.hpp"
#include "store/maildir_walk.hpp"
#include "store/uidlist.hpp"
#include "tests/unit/store/tmp_dir.hpp"

namespace zest::store {
namespace {

namespace fs = std::filesystem;

void age_file(const fs::path& p, int seconds) {
  const struct timespec t[2] = {{::time(nullptr) - seconds, 0}, {::time(nullptr) - seconds, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), t, 0), 0);
}

int wait_child(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Each of kProcs processes commits kRounds transactions of two copies into
// one folder, flagged with its own keyword and a shared one. Afterwards:
// every file is listed once with its own UID, no UID twice, and each file's
// keyword letters name the keywords its writer gave.
TEST(Dotlock, ManyProcessesNeverShareAUidNorLoseAKeyword) {
  TmpDir t;
  ASSERT_TRUE(create_maildir(t.p, false));
  constexpr int kProcs = 6, kRounds = 15;
  std::vector<pid_t> kids;
  for (int p = 0; p < kProcs; ++p) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int failures = 0;
      for (int r = 0; r < kRounds; ++r) {
        MaildirTransaction tx;
        const std::vector<std::string> flags = {"kw" + std::to_string(p), "shared", "\\Seen"};
        const std::string body = "writer " + std::to_string(p) + "\n";
        if (!tx.stage(t.p, body, flags) || !tx.stage(t.p, body, flags) || !tx.commit()) ++failures;
      }
      ::_exit(failures == 0 ? 0 : 1);
    }
    kids.push_back(pid);
  }
  for (pid_t k : kids) EXPECT_EQ(wait_child(k), 0);

  auto list = parse_uidlist(*base::read_file(t.p / "dovecot-uidlist"));
  ASSERT_TRUE(list);
  std::set<std::uint32_t> uids;
  std::set<std::string> bases;
  for (const auto& r : list->records) {
    EXPECT_TRUE(uids.insert(r.uid).second) << "UID " << r.uid << " twice";
    EXPECT_TRUE(bases.insert(r.base).second) << r.base << " listed twice";
  }
  EXPECT_EQ(list->records.size(), std::size_t{kProcs * kRounds * 2});
  EXPECT_EQ(list->header.next_uid, kProcs * kRounds * 2 + 1u);

  const auto letters = read_keyword_letters(t.p);
  EXPECT_EQ(letters.size(), std::size_t{kProcs + 1});
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(t.p / "cur")) {
    ++files;
    const std::string name = e.path().filename().string();
    EXPECT_TRUE(bases.count(maildir_base_name(name))) << name << " not in dovecot-uidlist";
    const std::string body = *base::read_file(e.path());
    const std::string writer = body.substr(7, body.size() - 8);
    const auto flags = flags_from_file_name(name, letters);
    const std::set<std::string> got(flags.begin(), flags.end());
    EXPECT_EQ(got, (std::set<std::string>{"kw" + writer, "shared", "\\Seen"})) << name;
  }
  EXPECT_EQ(files, std::size_t{kProcs * kRounds * 2});
  EXPECT_TRUE(fs::is_empty(t.p / "new"));
  EXPECT_TRUE(fs::is_empty(t.p / "tmp"));
  EXPECT_FALSE(fs::exists(t.p / "dovecot-uidlist.lock"));
  EXPECT_FALSE(fs::exists(t.p / "dovecot-keywords.lock"));
}

TEST(Dotlock, StaleLockIsOverriddenAndReported) {
  TmpDir t;
  { std::ofstream(t.p / "dovecot-uidlist.lock") << "left by a crash"; }
  age_file(t.p / "dovecot-uidlist.lock", 600);
  LockSettings s;
  s.wait = std::chrono::seconds(60);
  s.stale = std::chrono::seconds(120);
  fs::path reported;
  std::chrono::seconds age{};
  s.on_stale = [&](const fs::path& lock, std::chrono::seconds a) {
    reported = lock;
    age = a;
  };
  auto lock = UidListLock::acquire(t.p, s);
  ASSERT_TRUE(lock) << lock.error().message;
  EXPECT_EQ(reported, t.p / "dovecot-uidlist.lock");
  EXPECT_GE(age.count(), 599);
  lock->add("a.M1.host");
  ASSERT_TRUE(lock->prepare());
  ASSERT_TRUE(lock->commit());
  EXPECT_EQ(parse_uidlist(*base::read_file(t.p / "dovecot-uidlist"))->records.size(), 1u);
}

TEST(Dotlock, YoungLockIsNotOverridden) {
  TmpDir t;
  { std::ofstream(t.p / "dovecot-uidlist.lock") << "held"; }
  LockSettings s;
  s.wait = std::chrono::milliseconds(100);
  s.stale = std::chrono::seconds(120);
  bool reported = false;
  s.on_stale = [&](const fs::path&, std::chrono::seconds) { reported = true; };
  auto lock = UidListLock::acquire(t.p, s);
  ASSERT_FALSE(lock);
  EXPECT_NE(lock.error().message.find("still locked"), std::string::npos) << lock.error().message;
  EXPECT_FALSE(reported);
  EXPECT_EQ(*base::read_file(t.p / "dovecot-uidlist.lock"), "held");
}

// Another process holds the lock and commits a UID; we wait for it and
// then see its UID (so we did not run while it held the lock).
TEST(Dotlock, LiveLockIsWaitedFor) {
  TmpDir t;
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(ready[0]);
    auto lock = UidListLock::acquire(t.p);
    if (!lock) ::_exit(1);
    if (::write(ready[1], "x", 1) != 1) ::_exit(2);
    ::usleep(300 * 1000);
    lock->add("first.M1.host");
    ::_exit(lock->prepare() && lock->commit() ? 0 : 3);
  }
  ::close(ready[1]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  LockSettings s;
  s.wait = std::chrono::seconds(60);
  auto lock = UidListLock::acquire(t.p, s);
  ASSERT_TRUE(lock) << lock.error().message;
  EXPECT_EQ(lock->add("first.M1.host"), 1u);  // the other process's record is there
  EXPECT_EQ(lock->add("second.M2.host"), 2u);
  ASSERT_TRUE(lock->prepare());
  ASSERT_TRUE(lock->commit());
  EXPECT_EQ(wait_child(pid), 0);
}

TEST(Dotlock, HolderWhoseLockWasTakenOverDoesNotReplace) {
  TmpDir t;
  { std::ofstream(t.p / "dovecot-uidlist") << "3 V1 N1\n"; }
  {
    auto lock = UidListLock::acquire(t.p);
    ASSERT_TRUE(lock);
    lock->add("mine.M1.host");
    ASSERT_TRUE(lock->prepare());
    // Someone judged our lock stale and took it.
    ASSERT_EQ(::unlink((t.p / "dovecot-uidlist.lock").c_str()), 0);
    { std::ofstream(t.p / "dovecot-uidlist.lock") << "theirs"; }
    auto r = lock->commit();
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("taken over"), std::string::npos);
  }
  EXPECT_EQ(*base::read_file(t.p / "dovecot-uidlist"), "3 V1 N1\n");
  // Our going away leaves their lock alone.
  EXPECT_EQ(*base::read_file(t.p / "dovecot-uidlist.lock"), "theirs");
}

TEST(Dotlock, LinkMethod) {
  TmpDir t;
  LockSettings s;
  s.method = LockMethod::Link;
  s.wait = std::chrono::milliseconds(50);
  auto first = Dotlock::acquire(t.p / "f", s);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->held());
  EXPECT_FALSE(Dotlock::acquire(t.p / "f", s));
  ASSERT_TRUE(first->write("new\n"));
  ASSERT_TRUE(first->replace());
  EXPECT_EQ(*base::read_file(t.p / "f"), "new\n");
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(t.p)) ++entries;
  EXPECT_EQ(entries, 1u);  // no temp names left behind
}

}  // namespace
}  // namespace zest::store
