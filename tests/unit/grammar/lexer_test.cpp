#include <cstdint>
#include <fstream>
#include <sstream>

#include "tests/unit/grammar/test_util.hpp"

namespace zest::grammar {
namespace {

using testing::diag_text;
using testing::parse_ok;
using testing::str;

const Argument& first_arg(const ParseResult& r) {
  return r.script.commands.at(0).arguments.at(0);
}

std::uint64_t number_of(std::string_view src) {
  auto r = parse(src);
  return std::get<Number>(first_arg(r)).value;
}

TEST(Lexer, NumbersAndQuantifiers) {
  EXPECT_EQ(number_of("x 0;"), 0u);
  EXPECT_EQ(number_of("x 42;"), 42u);
  EXPECT_EQ(number_of("x 1k;"), 1024u);
  EXPECT_EQ(number_of("x 1K;"), 1024u);
  EXPECT_EQ(number_of("x 3m;"), 3u << 20);
  EXPECT_EQ(number_of("x 3M;"), 3u << 20);
  EXPECT_EQ(number_of("x 2g;"), 2ull << 30);
  EXPECT_EQ(number_of("x 800G;"), 800ull << 30);
  EXPECT_EQ(number_of("x 18446744073709551615;"), UINT64_MAX);
  EXPECT_EQ(number_of("x 18446744073709551614;"), UINT64_MAX - 1);
  EXPECT_EQ(number_of("x 2147483647;"), 2147483647u);
}

TEST(Lexer, NumberOverflowSaturatesAndReports) {
  for (const char* src : {"x 18446744073709551616;", "x 18446744073709551617;",
                          "x 180143985094819840k;", "x 1006622342342296M;", "x 34359738368G;",
                          "x 49834598293485814273947921734981723971293741923;"}) {
    auto r = parse(src);
    ASSERT_EQ(r.diags.error_count(), 1u) << src;
    EXPECT_EQ(r.diags.all()[0].message, "number too large");
    EXPECT_EQ(r.diags.all()[0].loc.column, 3u);
    EXPECT_EQ(std::get<Number>(first_arg(r)).value, UINT64_MAX) << src;
  }
  // 16 EiB - 1 GiB exactly fits.
  auto r = parse_ok("x 17179869183G;");
  EXPECT_EQ(std::get<Number>(first_arg(r)).value, 17179869183ull << 30);
}

TEST(Lexer, IdentifiersAndTagsAreLowerCased) {
  auto r = parse_ok("FileInto :COPY :Flags \"Box\";");
  const auto& c = r.script.commands.at(0);
  EXPECT_EQ(c.identifier, "fileinto");
  EXPECT_EQ(std::get<Tag>(c.arguments.at(0)).name, "copy");
  EXPECT_EQ(std::get<Tag>(c.arguments.at(1)).name, "flags");
  EXPECT_EQ(str(c.arguments.at(2)).value, "Box");  // strings keep their case
  EXPECT_EQ(parse_ok("_a_B9;").script.commands.at(0).identifier, "_a_b9");
}

TEST(Lexer, QuotedEscapes) {
  // A copy: the value is a view into the parse result.
  auto v = [](std::string_view src) { return std::string(str(first_arg(parse_ok(src))).value); };
  EXPECT_EQ(v(R"(x "a\"b";)"), "a\"b");
  EXPECT_EQ(v(R"(x "a\\b";)"), "a\\b");
  EXPECT_EQ(v(R"(x "\a\a\a\a\a";)"), "aaaaa");
  EXPECT_EQ(v(R"(x "\\\\";)"), "\\\\");
  EXPECT_EQ(v(R"(x "\\*";)"), "\\*");
  EXPECT_EQ(v(R"(x "${hex:40}";)"), "${hex:40}");  // expanded later, by interp/
  EXPECT_EQ(v("x \"\";"), "");
  EXPECT_EQ(v("x \"# not a comment /* nor this */\";"), "# not a comment /* nor this */");
}

TEST(Lexer, QuotedStringLineEndingsBecomeCrlf) {
  // A copy: the value is a view into the parse result.
  auto v = [](std::string_view src) { return std::string(str(first_arg(parse_ok(src))).value); };
  EXPECT_EQ(v("x \"a\nb\";"), "a\r\nb");
  EXPECT_EQ(v("x \"a\r\nb\";"), "a\r\nb");
  EXPECT_EQ(v("x \"a\n\nb\n\";"), "a\r\n\r\nb\r\n");
}

TEST(Lexer, MultiLineString) {
  auto r = parse_ok("x text:\nline 1\n..dot\n.x\n\\\"no escape\\\"\n.\n;");
  const auto& s = str(first_arg(r));
  EXPECT_TRUE(s.multiline);
  EXPECT_EQ(s.value, "line 1\r\n.dot\r\n.x\r\n\\\"no escape\\\"\r\n");
  EXPECT_EQ(s.loc.line, 1u);
  EXPECT_EQ(s.loc.column, 3u);
}

TEST(Lexer, MultiLineStringCrlfHashCommentAndCase) {
  auto r = parse_ok("x TEXT: \t# comment here\r\nA\r\n\r\n.\r\n;\r\ny;");
  EXPECT_EQ(str(first_arg(r)).value, "A\r\n\r\n");
  ASSERT_EQ(r.script.commands.size(), 2u);
  EXPECT_EQ(r.script.commands[1].loc.line, 6u);
}

TEST(Lexer, MultiLineStringEmptyAndAtEof) {
  EXPECT_EQ(str(first_arg(parse_ok("x text:\n.\n;"))).value, "");
  // A terminator at EOF without newline ends the string; only the
  // missing ';' is reported.
  auto r = parse("x text:\nabc\n.");
  EXPECT_EQ(diag_text(r),
            "t:3:2: error: syntax error, unexpected end of script, expecting '{' or ';'\n");
}

TEST(Lexer, MultiLineStringBadHeader) {
  auto r = parse("x text: /* no */\nabc\n.\n;");
  ASSERT_TRUE(r.diags.has_errors());
  EXPECT_EQ(r.diags.all()[0].message,
            "unexpected character(s) after 'text:' starting with '/* no */' (expecting a line "
            "break)");
  EXPECT_EQ(r.diags.all()[0].loc.column, 9u);
}

TEST(Lexer, Comments) {
  auto r = parse_ok("# hash\nx /* a\n * b */ 1 /**/ 2 /***/ 3 /* ** / */; # tail");
  const auto& c = r.script.commands.at(0);
  EXPECT_EQ(c.arguments.size(), 3u);
  EXPECT_EQ(c.loc.line, 2u);
}

TEST(Lexer, CommentsDoNotNest) {
  auto r = parse("x /* /* */ */;");
  // The stray "*/" is reported by the scanner and, as in Pigeonhole, by the
  // parser that cannot accept it.
  ASSERT_EQ(r.diags.error_count(), 2u) << diag_text(r);
  EXPECT_EQ(r.diags.all()[0].message, "unexpected character(s) starting with '*'");
  EXPECT_EQ(r.diags.all()[0].loc.column, 12u);
}

TEST(Lexer, BareLfCrAndTabsAreWhitespace) {
  auto r = parse_ok("a;\n\tb;\r\n  c;\rd;");
  ASSERT_EQ(r.script.commands.size(), 4u);
  EXPECT_EQ(r.script.commands[1].loc.line, 2u);
  EXPECT_EQ(r.script.commands[1].loc.column, 2u);
  EXPECT_EQ(r.script.commands[2].loc.line, 3u);
  EXPECT_EQ(r.script.commands[2].loc.column, 3u);
}

TEST(Lexer, NonUtf8BytesInStringsAreKept) {
  auto r = parse_ok("x \"\xff\xfe\xc3\";");
  EXPECT_EQ(str(first_arg(r)).value, "\xff\xfe\xc3");
}

// Pigeonhole tests/lexer.svtest: text: with dot-stuffing equals the quoted
// string, and unknown escapes stand for the escaped character.
TEST(Lexer, PigeonholeLexerSvtest) {
  std::ifstream in(ZEST_SHARED_DIR "/conformance/pigeonhole/tests/lexer.svtest", std::ios::binary);
  ASSERT_TRUE(in) << "missing lexer.svtest";
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = parse_ok(ss.str());
  const auto& cmds = r.script.commands;
  ASSERT_GE(cmds.size(), 6u);
  EXPECT_EQ(cmds[2].identifier, "set");
  EXPECT_EQ(cmds[3].identifier, "set");
  const auto& text = str(cmds[2].arguments.at(1));
  const auto& quoted = str(cmds[3].arguments.at(1));
  EXPECT_TRUE(text.multiline);
  EXPECT_FALSE(quoted.multiline);
  EXPECT_EQ(text.value, "Line 1\r\n.Line 2\r\n.Line 3\r\n.Line 4\r\nLine 5\r\n");
  EXPECT_EQ(text.value, quoted.value);
  // test "Unknown Escapes" { if not string :is "\a\a\a\a\a" "aaaaa" ... }
  const auto& unknown = cmds[5];
  EXPECT_EQ(unknown.identifier, "test");
  const auto& strtest = unknown.block.at(0).tests.at(0).tests.at(0);
  EXPECT_EQ(strtest.identifier, "string");
  EXPECT_EQ(str(strtest.arguments.at(1)).value, str(strtest.arguments.at(2)).value);
  EXPECT_EQ(str(strtest.arguments.at(1)).value, "aaaaa");
}

}  // namespace
}  // namespace zest::grammar
