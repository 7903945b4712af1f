#include "store/script_cache.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/store/tmp_dir.hpp"

namespace zest::store {
namespace {
namespace fs = std::filesystem;

void write(const fs::path& f, const std::string& text) {
  std::ofstream(f, std::ios::binary | std::ios::trunc) << text;
}

// Two scripts of the same length: one broken, one valid.
const std::string kBroken = "keep; frobnicate;\n";
const std::string kValid = "keep; discard ;  \n";

TEST(ScriptCache, CompileFailureIsCachedUntilTheScriptChanges) {
  ASSERT_EQ(kBroken.size(), kValid.size());
  TmpDir t;
  interp::Registry registry;
  interp::EngineSettings settings;
  ScriptCache cache(registry, settings);
  const fs::path script = t.p / "main.sieve";
  write(script, kBroken);
  const auto mtime = fs::last_write_time(script);

  const auto first = cache.get(script);
  EXPECT_FALSE(first.program);
  EXPECT_NE(first.error.find("frobnicate"), std::string::npos) << first.error;
  EXPECT_FALSE(fs::exists(t.p / "main.svbc"));
  const auto again = cache.get(script);  // the same source: the cached answer
  EXPECT_EQ(again.error, first.error);

  // Same path, mtime and size, other text (another node replaced it within
  // the same second): the source decides, so it is compiled again.
  write(script, kValid);
  fs::last_write_time(script, mtime);
  const auto fixed = cache.get(script);
  ASSERT_TRUE(fixed.program) << fixed.error;
  EXPECT_TRUE(fixed.error.empty());
  EXPECT_EQ(fixed.program->source_digest, source_digest(kValid));
  EXPECT_TRUE(fs::exists(t.p / "main.svbc"));

  // And breaking it again is noticed too.
  write(script, kBroken);
  fs::last_write_time(script, mtime);
  const auto broken = cache.get(script);
  EXPECT_FALSE(broken.program);
  EXPECT_FALSE(broken.error.empty());
}

// Two caches over one home, as two zestd nodes sharing it: a script
// replaced in place (same size, same mtime) is noticed by both, and a
// binary compiled from the old text is never taken for the new one.
TEST(ScriptCache, NodesSharingAHomeRunTheCurrentScript) {
  const std::string v1 = "discard;\n";
  const std::string v2 = "keep;   \n";
  ASSERT_EQ(v1.size(), v2.size());
  TmpDir t;
  interp::Registry registry;
  interp::EngineSettings settings;
  ScriptCache node_a(registry, settings), node_b(registry, settings);
  const fs::path script = t.p / "main.sieve";
  write(script, v1);
  const auto mtime = fs::last_write_time(script);
  const auto a1 = node_a.get(script);
  ASSERT_TRUE(a1.program);
  EXPECT_FALSE(a1.from_binary);
  const auto b1 = node_b.get(script);  // A's binary, digest checked
  ASSERT_TRUE(b1.program);
  EXPECT_TRUE(b1.from_binary);
  EXPECT_EQ(interp::disassemble(*a1.program), interp::disassemble(*b1.program));

  write(script, v2);
  fs::last_write_time(script, mtime);
  // The old binary is newer than the script and still beside it.
  fs::last_write_time(t.p / "main.svbc", mtime + std::chrono::seconds(5));
  const auto b2 = node_b.get(script);
  ASSERT_TRUE(b2.program);
  EXPECT_FALSE(b2.from_binary);
  EXPECT_EQ(b2.program->source_digest, source_digest(v2));
  EXPECT_NE(interp::disassemble(*b2.program), interp::disassemble(*b1.program));
  const auto a2 = node_a.get(script);  // B's new binary
  ASSERT_TRUE(a2.program);
  EXPECT_TRUE(a2.from_binary);
  EXPECT_EQ(interp::disassemble(*a2.program), interp::disassemble(*b2.program));
}

TEST(ScriptCache, UnreadableScriptIsNotCachedAsACompileFailure) {
  TmpDir t;
  interp::Registry registry;
  interp::EngineSettings settings;
  ScriptCache cache(registry, settings);
  const fs::path script = t.p / "missing.sieve";
  EXPECT_FALSE(cache.get(script).program);
  write(script, kValid);
  EXPECT_TRUE(cache.get(script).program);
}

}  // namespace
}  // namespace zest::store
