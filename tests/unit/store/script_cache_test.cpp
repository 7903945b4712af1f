#include "store/script_cache.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "interp/compiler.hpp"
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

// A .svbc of another format version (an older zest) is stale: the script
// is compiled again and the binary rewritten in the current format.
TEST(ScriptCache, StaleBinaryIsRecompiledAndRewritten) {
  TmpDir t;
  interp::Registry registry;
  interp::EngineSettings settings;
  const fs::path script = t.p / "main.sieve";
  const fs::path binary = t.p / "main.svbc";
  write(script, kValid);
  {
    ScriptCache cache(registry, settings);
    ASSERT_TRUE(cache.get(script).program);
  }
  ASSERT_TRUE(fs::exists(binary));
  std::string bytes;
  {
    std::ifstream in(binary, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(bytes.size(), 12u);
  bytes[8] = static_cast<char>(interp::kFormatVersion - 1);  // the u32 version after the magic
  write(binary, bytes);
  const auto* b = reinterpret_cast<const std::uint8_t*>(bytes.data());
  const auto stale = interp::load_program({b, bytes.size()}, registry);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind, interp::LoadError::Kind::Stale);

  ScriptCache second(registry, settings);
  const auto recompiled = second.get(script);
  ASSERT_TRUE(recompiled.program) << recompiled.error;
  EXPECT_FALSE(recompiled.from_binary);
  EXPECT_EQ(recompiled.source, ScriptCache::Source::Compiled);

  ScriptCache third(registry, settings);  // the rewritten binary loads
  const auto loaded = third.get(script);
  ASSERT_TRUE(loaded.program);
  EXPECT_TRUE(loaded.from_binary);
  EXPECT_EQ(interp::disassemble(*loaded.program), interp::disassemble(*recompiled.program));
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

// [delivery] script_cache_memory: past the bound the least recently used
// programs go; a dropped one comes back from its .svbc, not a compile.
TEST(ScriptCache, BoundedMemoryDropsTheLeastRecentlyUsed) {
  TmpDir t;
  interp::Registry registry;
  interp::EngineSettings settings;
  std::vector<fs::path> scripts;
  for (int i = 0; i < 4; ++i) {
    fs::create_directories(t.p / std::to_string(i));
    scripts.push_back(t.p / std::to_string(i) / "main.sieve");
    write(scripts.back(),
          "if header :contains \"subject\" \"x" + std::to_string(i) + "\" { discard; } keep;\n");
  }
  // Measure one entry, then allow a little over two of them.
  std::size_t one = 0;
  {
    ScriptCache probe(registry, settings);
    ASSERT_TRUE(probe.get(scripts[0]).program);
    one = probe.stats().bytes;
    ASSERT_GT(one, 0u);
  }
  ScriptCache cache(registry, settings, one * 2 + one / 2);
  EXPECT_EQ(cache.get(scripts[0]).source, ScriptCache::Source::Binary);  // the probe wrote it
  EXPECT_EQ(cache.get(scripts[1]).source, ScriptCache::Source::Compiled);
  EXPECT_EQ(cache.get(scripts[0]).source, ScriptCache::Source::Memory);    // 0 is now newest
  EXPECT_EQ(cache.get(scripts[2]).source, ScriptCache::Source::Compiled);  // drops 1
  auto s = cache.stats();
  EXPECT_EQ(s.entries, 2u);
  EXPECT_EQ(s.evictions, 1u);
  EXPECT_LE(s.bytes, cache.max_bytes());
  EXPECT_EQ(cache.get(scripts[0]).source, ScriptCache::Source::Memory);
  EXPECT_EQ(cache.get(scripts[1]).source, ScriptCache::Source::Binary);  // back, not compiled
  s = cache.stats();
  EXPECT_EQ(s.hits, 2u);
  EXPECT_EQ(s.binaries, 2u);
  EXPECT_EQ(s.compiled, 2u);
  EXPECT_EQ(s.evictions, 2u);  // 1 came back and pushed 2 out
  EXPECT_EQ(s.entries, 2u);
}

TEST(ScriptCache, AProgramLargerThanTheBoundIsStillKeptAlone) {
  TmpDir t;
  interp::Registry registry;
  interp::EngineSettings settings;
  ScriptCache cache(registry, settings, 1);
  const fs::path a = t.p / "a.sieve", b = t.p / "b.sieve";
  write(a, kValid);
  write(b, "keep;\n");
  ASSERT_TRUE(cache.get(a).program);
  EXPECT_EQ(cache.get(a).source, ScriptCache::Source::Memory);
  ASSERT_TRUE(cache.get(b).program);
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_EQ(cache.get(a).source, ScriptCache::Source::Binary);
}

TEST(ScriptCache, FootprintGrowsWithTheScript) {
  interp::Registry registry;
  interp::EngineSettings settings;
  std::string big;
  for (int i = 0; i < 200; ++i)
    big += "if header :is \"x-rule\" \"value number " + std::to_string(i) + "\" { stop; }\n";
  auto small = interp::compile("keep;", registry, settings);
  auto large = interp::compile(big, registry, settings);
  ASSERT_TRUE(small.program && large.program);
  EXPECT_GT(interp::memory_footprint(*large.program),
            20 * interp::memory_footprint(*small.program) / 2);
  EXPECT_GT(interp::memory_footprint(*large.program), 200u * 20);
}

}  // namespace
}  // namespace zest::store
