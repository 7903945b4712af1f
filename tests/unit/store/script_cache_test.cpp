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

  // Same path, mtime and size: the cached failure is answered without
  // compiling. (The now valid text proves nothing was compiled.)
  write(script, kValid);
  fs::last_write_time(script, mtime);
  const auto cached = cache.get(script);
  EXPECT_FALSE(cached.program);
  EXPECT_EQ(cached.error, first.error);

  // A new mtime is a changed script: compiled again, now successfully.
  fs::last_write_time(script, mtime + std::chrono::seconds(10));
  const auto fixed = cache.get(script);
  ASSERT_TRUE(fixed.program) << fixed.error;
  EXPECT_TRUE(fixed.error.empty());
  EXPECT_TRUE(fs::exists(t.p / "main.svbc"));

  // And breaking it again is noticed too.
  write(script, kBroken);
  fs::last_write_time(script, mtime + std::chrono::seconds(20));
  const auto broken = cache.get(script);
  EXPECT_FALSE(broken.program);
  EXPECT_FALSE(broken.error.empty());
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
