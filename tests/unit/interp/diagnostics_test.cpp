// Compile errors: every diagnostics/NAME.sieve must fail to compile with
// exactly the diagnostics in diagnostics/NAME.err (rendered with the source
// line and caret, as the tools print them). Run with ZEST_UPDATE_GOLDEN=1 to
// rewrite the .err files after a deliberate change, then review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_util.hpp"

namespace zest::interp {
namespace {

namespace fs = std::filesystem;

fs::path golden_dir() {
  return fs::path(ZEST_SOURCE_DIR) / "tests" / "unit" / "interp" / "diagnostics";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string render(const std::string& name, const std::string& source) {
  auto r = compile(source, testing::registry(), EngineSettings{});
  std::string out;
  if (r.program) out += "(compiled without errors)\n";
  for (const auto& d : r.diags.all()) out += grammar::format_with_source(name, source, d) + "\n";
  return out;
}

TEST(Diagnostics, GoldenFiles) {
  const bool update = std::getenv("ZEST_UPDATE_GOLDEN") != nullptr;
  std::vector<fs::path> scripts;
  for (const auto& e : fs::directory_iterator(golden_dir()))
    if (e.path().extension() == ".sieve") scripts.push_back(e.path());
  std::sort(scripts.begin(), scripts.end());
  ASSERT_GE(scripts.size(), 20u);
  for (const auto& s : scripts) {
    SCOPED_TRACE(s.filename().string());
    const std::string name = s.filename().string();
    const std::string actual = render(name, slurp(s));
    EXPECT_EQ(actual.find("(compiled without errors)"), std::string::npos) << actual;
    fs::path expected_path = s;
    expected_path.replace_extension(".err");
    if (update) {
      std::ofstream(expected_path, std::ios::binary) << actual;
      continue;
    }
    ASSERT_TRUE(fs::exists(expected_path)) << "missing " << expected_path;
    EXPECT_EQ(actual, slurp(expected_path));
  }
}

// The meaning of the main errors, independent of the exact wording.
TEST(CompileErrors, UnknownCommand) {
  EXPECT_NE(testing::compile_errors("frobnicate;").find("unknown command 'frobnicate'"),
            std::string::npos);
}

TEST(CompileErrors, MissingRequire) {
  const std::string e = testing::compile_errors("fileinto \"x\";");
  EXPECT_NE(e.find("fileinto"), std::string::npos) << e;
  EXPECT_NE(testing::compile_errors("if envelope \"from\" \"x\" { keep; }"), "");
  EXPECT_NE(testing::compile_errors("if header :comparator \"i;ascii-numeric\" \"a\" \"1\" {}"),
            "");
}

TEST(CompileErrors, RequireOnlyAtStart) {
  EXPECT_NE(testing::compile_errors("keep; require \"fileinto\";"), "");
  testing::compile_ok("require \"fileinto\"; require \"envelope\"; keep;");
}

TEST(CompileErrors, TagConflicts) {
  EXPECT_NE(testing::compile_errors("if header :is :contains \"a\" \"b\" { }"), "");
  EXPECT_NE(testing::compile_errors("if header :is :is \"a\" \"b\" { }"), "");
  EXPECT_NE(testing::compile_errors("if address :all :domain \"from\" \"b\" { }"), "");
  EXPECT_NE(testing::compile_errors(
                "if header :comparator \"i;octet\" :comparator \"i;octet\" \"a\" \"b\" { }"),
            "");
  EXPECT_NE(testing::compile_errors("if size :over 1 :under 2 { }"), "");
}

TEST(CompileErrors, WrongArgumentTypes) {
  EXPECT_NE(testing::compile_errors("redirect 42;"), "");
  EXPECT_NE(testing::compile_errors("redirect [\"a@b.c\", \"d@e.f\"];"), "");
  EXPECT_NE(testing::compile_errors("if size :over \"big\" { }"), "");
  EXPECT_NE(testing::compile_errors("if header 1 \"b\" { }"), "");
  EXPECT_NE(testing::compile_errors("if header :comparator 5 \"a\" \"b\" { }"), "");
}

TEST(CompileErrors, Arity) {
  EXPECT_NE(testing::compile_errors("redirect;"), "");
  EXPECT_NE(testing::compile_errors("keep \"x\";"), "");
  EXPECT_NE(testing::compile_errors("if header \"a\" { }"), "");
  EXPECT_NE(testing::compile_errors("if exists { }"), "");
  EXPECT_NE(testing::compile_errors("if not { }"), "");
  EXPECT_NE(testing::compile_errors("if true"), "");
}

TEST(CompileErrors, NumericComparatorWithSubstringMatch) {
  const std::string req = "require \"comparator-i;ascii-numeric\";\n";
  EXPECT_NE(testing::compile_errors(
                req + "if header :contains :comparator \"i;ascii-numeric\" \"a\" \"1\" { }"),
            "");
  EXPECT_NE(testing::compile_errors(
                req + "if header :matches :comparator \"i;ascii-numeric\" \"a\" \"1\" { }"),
            "");
  testing::compile_ok(req + "if header :is :comparator \"i;ascii-numeric\" \"a\" \"1\" { }");
}

TEST(CompileErrors, ElsifElseWithoutIf) {
  EXPECT_NE(testing::compile_errors("elsif true { }"), "");
  EXPECT_NE(testing::compile_errors("else { }"), "");
  EXPECT_NE(testing::compile_errors("if true { } keep; else { }"), "");
  testing::compile_ok("if false { } elsif false { } elsif true { } else { }");
}

TEST(CompileErrors, CaseInsensitiveIdentifiers) {
  testing::compile_ok(
      "REQUIRE \"fileinto\"; IF HEADER :CONTAINS \"subject\" \"x\" { FILEINTO \"a\"; }");
}

TEST(CompileErrors, NestingLimit) {
  std::string deep;
  for (int i = 0; i < 2000; ++i) deep += "not ";
  EXPECT_NE(testing::compile_errors("if " + deep + "true { }"), "");
  std::string blocks;
  for (int i = 0; i < 2000; ++i) blocks += "if true {";
  for (int i = 0; i < 2000; ++i) blocks += "}";
  EXPECT_NE(testing::compile_errors(blocks), "");
  // At least 15 nested blocks and 15 nested test lists work.
  std::string tests = "true";
  for (int i = 0; i < 15; ++i) tests = "anyof(false, " + tests + ")";
  std::string ok = "if " + tests + " { keep; }\n";
  for (int i = 0; i < 15; ++i) ok = "if true {\n" + ok + "}\n";
  testing::compile_ok(ok);
}

TEST(CompileErrors, ScriptTooLarge) {
  EngineSettings s;
  s.max_script_size = 10;
  EXPECT_NE(testing::compile_errors("keep; keep; keep;", s).find("too large"), std::string::npos);
}

TEST(CompileErrors, DisabledExtension) {
  EngineSettings s;
  s.extensions = std::set<std::string, std::less<>>{"envelope"};
  EXPECT_NE(testing::compile_errors("require \"fileinto\";", s), "");
  testing::compile_ok("require \"envelope\";", s);
}

}  // namespace
}  // namespace zest::interp
