// base/ helpers added against hostile input (issue 15): line-end
// normalisation for the LDA, and private atomic state files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "base/atomic_file.hpp"
#include "base/crlf.hpp"

namespace zest::base {
namespace {
namespace fs = std::filesystem;

struct TmpDir {
  TmpDir() {
    char tmpl[] = "/tmp/zest-base-XXXXXX";
    p = ::mkdtemp(tmpl);
  }
  ~TmpDir() {
    std::error_code ec;
    fs::remove_all(p, ec);
  }
  fs::path p;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(LineEnds, BareCrAndBareLfAreLineEndsLikeCrlf) {
  EXPECT_EQ(normalize_line_ends("a\r\nb\nc\rd\r\r\ne\r"), "a\nb\nc\nd\n\ne\n");
  // The attack of issue 15.2: a CR inside a header value is a header break
  // now, not later when an outgoing message copies the value.
  EXPECT_EQ(normalize_line_ends("Message-ID: <a@b>\rBcc: x@y\r\n\r\nbody"),
            "Message-ID: <a@b>\nBcc: x@y\n\nbody");
}

TEST(AtomicFile, ReplacesAPlantedSymlinkNotItsTarget) {
  TmpDir t;
  { std::ofstream(t.p / "victim") << "precious"; }
  fs::create_symlink(t.p / "victim", t.p / "state");
  ASSERT_TRUE(write_file_atomic(t.p / "state", "new"));
  EXPECT_EQ(slurp(t.p / "victim"), "precious");
  EXPECT_FALSE(fs::is_symlink(t.p / "state"));
  EXPECT_EQ(slurp(t.p / "state"), "new");
  EXPECT_EQ(fs::status(t.p / "state").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  // No temporary file is left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(t.p), fs::directory_iterator()), 2);
}

TEST(AtomicFile, FailsCleanlyWhereItCannotWrite) {
  TmpDir t;
  EXPECT_FALSE(write_file_atomic(t.p / "no-such-dir" / "state", "x"));
  fs::create_directories(t.p / "dir");
  EXPECT_FALSE(write_file_atomic(t.p / "dir", "x"));  // rename onto a directory
  EXPECT_EQ(std::distance(fs::directory_iterator(t.p), fs::directory_iterator()), 1);
}

TEST(AtomicFile, PrivateDirectoriesAndFiles) {
  TmpDir t;
  ASSERT_TRUE(make_private_dirs(t.p / "a" / "b"));
  for (const fs::path& d : {t.p / "a", t.p / "a" / "b"})
    EXPECT_EQ(fs::status(d).permissions() & fs::perms::all, fs::perms::owner_all);
  fs::create_symlink(t.p / "victim", t.p / "lock");
  EXPECT_LT(open_private(t.p / "lock", O_RDWR), 0);  // never through a symlink
  EXPECT_FALSE(fs::exists(t.p / "victim"));
}

}  // namespace
}  // namespace zest::base
