// Golden diagnostics: golden/<name>.sieve is parsed and every diagnostic
// rendered with format_with_source must equal golden/<name>.expected.
#include <fstream>
#include <sstream>

#include "tests/unit/grammar/test_util.hpp"

namespace zest::grammar {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string render(std::string_view name, std::string_view src) {
  auto r = parse(src);
  std::string out;
  for (const auto& d : r.diags.all()) out += format_with_source(name, src, d) + "\n";
  return out;
}

TEST(Golden, Errors) {
  const std::string dir = ZEST_SOURCE_DIR "/tests/unit/grammar/golden/";
  const auto src = read(dir + "errors.sieve");
  EXPECT_EQ(render("errors.sieve", src), read(dir + "errors.expected"));
}

TEST(Golden, FormatShortAndWarning) {
  Diagnostic d{Severity::Warning, {3, 7}, "careful"};
  EXPECT_EQ(format_short("f.sieve", d), "f.sieve:3:7: warning: careful");
  d.severity = Severity::Error;
  EXPECT_EQ(format_short("f.sieve", d), "f.sieve:3:7: error: careful");
}

TEST(Golden, CaretKeepsTabsAndDropsCr) {
  Diagnostic d{Severity::Error, {2, 3}, "m"};
  EXPECT_EQ(format_with_source("f", "a\r\n\tb c\r\nz", d), "f:2:3: error: m\n\tb c\n\t ^");
  // A line past the end of the source gives the short form only.
  d.loc.line = 9;
  EXPECT_EQ(format_with_source("f", "a\n", d), "f:9:3: error: m");
}

}  // namespace
}  // namespace zest::grammar
