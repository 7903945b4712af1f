#include "tests/unit/grammar/test_util.hpp"

namespace zest::grammar {
namespace {

using testing::diag_text;
using testing::parse_ok;
using testing::str;

TEST(Parser, EmptyScripts) {
  EXPECT_TRUE(parse_ok("").script.commands.empty());
  EXPECT_TRUE(parse_ok("  # only a comment\r\n/* and another */").script.commands.empty());
}

TEST(Parser, StringListVersusSingleString) {
  auto r = parse_ok(R"(x "a" ["b"] ["c", "d" ,"e"];)");
  const auto& args = r.script.commands.at(0).arguments;
  ASSERT_EQ(args.size(), 3u);
  EXPECT_EQ(str(args[0]).value, "a");
  const auto& one = std::get<StringList>(args[1]);
  ASSERT_EQ(one.items.size(), 1u);
  EXPECT_EQ(one.items[0].value, "b");
  EXPECT_EQ(one.loc.column, 7u);
  EXPECT_EQ(one.items[0].loc.column, 8u);
  const auto& three = std::get<StringList>(args[2]);
  ASSERT_EQ(three.items.size(), 3u);
  EXPECT_EQ(three.items[2].value, "e");
}

TEST(Parser, MultiLineStringInList) {
  auto r = parse_ok("x [text:\na\n.\n, \"b\"];");
  const auto& l = std::get<StringList>(r.script.commands.at(0).arguments.at(0));
  ASSERT_EQ(l.items.size(), 2u);
  EXPECT_TRUE(l.items[0].multiline);
  EXPECT_EQ(l.items[0].value, "a\r\n");
}

TEST(Parser, ArgumentLocations) {
  auto r = parse_ok("x :tag 12\n  \"s\" [\"l\"];");
  const auto& a = r.script.commands.at(0).arguments;
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(location_of(a[0]).column, 3u);
  EXPECT_EQ(location_of(a[1]).column, 8u);
  EXPECT_EQ(location_of(a[2]).line, 2u);
  EXPECT_EQ(location_of(a[2]).column, 3u);
  EXPECT_EQ(location_of(a[3]).column, 7u);
}

TEST(Parser, NestedBlocksAndTests) {
  auto r = parse_ok(
      "if anyof(allof(true, not false), exists \"x\") {\n"
      "  if true { stop; }\n"
      "  keep;\n"
      "} else { discard; }\n");
  const auto& cmds = r.script.commands;
  ASSERT_EQ(cmds.size(), 2u);
  const auto& iff = cmds[0];
  EXPECT_TRUE(iff.has_block);
  EXPECT_FALSE(iff.has_test_list);
  ASSERT_EQ(iff.tests.size(), 1u);
  const auto& any = iff.tests[0];
  EXPECT_TRUE(any.has_test_list);
  ASSERT_EQ(any.tests.size(), 2u);
  EXPECT_EQ(any.tests[0].identifier, "allof");
  EXPECT_EQ(any.tests[0].tests.size(), 2u);
  EXPECT_EQ(any.tests[0].tests[1].tests.at(0).identifier, "false");
  EXPECT_EQ(any.tests[1].identifier, "exists");
  EXPECT_EQ(any.tests[1].arguments.size(), 1u);
  ASSERT_EQ(iff.block.size(), 2u);
  EXPECT_EQ(iff.block[0].block.at(0).identifier, "stop");
  EXPECT_EQ(iff.block[0].block.at(0).loc.line, 2u);
  EXPECT_EQ(iff.block[0].block.at(0).loc.column, 13u);
  EXPECT_FALSE(iff.block[1].has_block);
  EXPECT_TRUE(cmds[1].has_block);
  EXPECT_TRUE(parse_ok("if true {}").script.commands[0].has_block);
}

TEST(Parser, SingleTestListIsMarked) {
  auto r = parse_ok("if anyof (true) {}");
  EXPECT_TRUE(r.script.commands[0].tests[0].has_test_list);
  // Command with arguments followed directly by a test list.
  auto r2 = parse_ok("cmd :x 1 (a, b);");
  EXPECT_TRUE(r2.script.commands[0].has_test_list);
  EXPECT_EQ(r2.script.commands[0].tests.size(), 2u);
}

TEST(Parser, FifteenLevelsOfBlocksAndTestLists) {
  std::string s;
  for (int i = 0; i < 15; ++i) s += "if true {\n";
  s += "if ";
  for (int i = 0; i < 15; ++i) s += "anyof(";
  s += "true";
  for (int i = 0; i < 15; ++i) s += ")";
  s += " { stop; }\n";
  for (int i = 0; i < 15; ++i) s += "}\n";
  parse_ok(s);
}

TEST(Parser, SyntaxErrors) {
  struct Case {
    const char* src;
    const char* expected;
  };
  const Case cases[] = {
      {"keep", "t:1:5: error: syntax error, unexpected end of script, expecting '{' or ';'\n"},
      {"x [];", "t:1:4: error: syntax error, unexpected ']', expecting string\n"},
      {"if anyof () {}", "t:1:11: error: syntax error, unexpected ')', expecting identifier\n"},
      {"x [\"a\" \"b\"];", "t:1:8: error: syntax error, unexpected string, expecting ']' or ','\n"},
      {"x ((a));", "t:1:4: error: syntax error, unexpected '(', expecting identifier\n"},
      {"if true { stop; ",
       "t:1:17: error: syntax error, unexpected end of script, expecting identifier or '}'\n"},
      {"stop; }",
       "t:1:7: error: syntax error, unexpected '}', expecting end of script or identifier\n"},
      {"keep }", "t:1:6: error: syntax error, unexpected '}', expecting '{' or ';'\n"},
      {":tag;",
       "t:1:1: error: syntax error, unexpected tag ':tag', expecting end of script or "
       "identifier\n"},
      {"x $;", "t:1:3: error: unexpected character(s) starting with '$'\n"
               "t:1:3: error: syntax error, unexpected invalid characters, expecting '{' or ';'\n"},
      {"x \"abc", "t:1:3: error: unterminated string\n"},
      {"x /* abc", "t:1:3: error: unterminated comment\n"},
      {"x text:\nabc\n", "t:1:3: error: unterminated multi-line string (text:)\n"},
      {"x text:", "t:1:3: error: unterminated multi-line string (text:)\n"},
      {"x text: # c", "t:1:3: error: unterminated multi-line string (text:)\n"},
      {"x : a;", "t:1:3: error: unexpected character(s) starting with ':'\n"
                 "t:1:3: error: syntax error, unexpected invalid characters, expecting '{' or ';'\n"},
      {"x \xc3\xa9;", "t:1:3: error: unexpected character(s) starting with '\\xc3\\xa9'\n"
                       "t:1:3: error: syntax error, unexpected invalid characters, expecting '{' or ';'\n"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.src);
    EXPECT_EQ(diag_text(r), c.expected) << "script: " << c.src;
  }
}

TEST(Parser, NulBytesInTheMiddle) {
  using namespace std::string_literals;
  auto r = parse("x \"a\0b\";\ny\0;\nz # \0\n;"s);
  EXPECT_EQ(diag_text(r),
            "t:1:5: error: NUL character not allowed in script\n"
            "t:2:2: error: NUL character not allowed in script\n"
            "t:3:5: error: NUL character not allowed in script\n");
  // Interleaved with other errors, in source order.
  auto r2 = parse("x $;\ny \"\0\";\nz [;"s);
  EXPECT_EQ(diag_text(r2),
            "t:1:3: error: unexpected character(s) starting with '$'\n"
            "t:1:3: error: syntax error, unexpected invalid characters, expecting '{' or ';'\n"
            "t:2:4: error: NUL character not allowed in script\n"
            "t:3:4: error: syntax error, unexpected ';', expecting string\n");
}

TEST(Parser, ErrorRecoveryReportsSeveralErrors) {
  auto r = parse(
      "keep;\n"               // 1
      "friep $$$;\n"          // 2: stray characters
      "fileinto \"a\" ( ;\n"  // 3: syntax error
      "stop;\n"               // 4
      "if true { x [] ; }\n"  // 5: error inside a block
      "discard;\n"            // 6
      "y ] ;\n"               // 7
      "z;\n");
  EXPECT_EQ(diag_text(r),
            "t:2:7: error: unexpected character(s) starting with '$$$'\n"
            "t:2:7: error: syntax error, unexpected invalid characters, expecting '{' or ';'\n"
            "t:3:16: error: syntax error, unexpected ';', expecting identifier\n"
            "t:5:14: error: syntax error, unexpected ']', expecting string\n"
            "t:7:3: error: syntax error, unexpected ']', expecting '{' or ';'\n");
  // Commands outside the broken statements survive.
  std::vector<std::string> names;
  for (const auto& c : r.script.commands) names.emplace_back(c.identifier);
  EXPECT_EQ(names, (std::vector<std::string>{"keep", "stop", "if", "discard", "z"}));
}

TEST(Parser, StopsAfterMaxErrors) {
  std::string s;
  for (int i = 0; i < 100; ++i) s += "x $;\nkeep;\n";
  auto r = parse(s, ParseLimits{.max_nesting = 64, .max_errors = 5});
  EXPECT_EQ(r.diags.error_count(), 5u);
  auto r2 = parse(s);
  EXPECT_EQ(r2.diags.error_count(), ParseLimits{}.max_errors);
}

TEST(Parser, LargeScriptIsFast) {
  std::string s = "require [\"fileinto\", \"variables\"];\n";
  for (int i = 0; i < 2000; ++i) {
    s += "if anyof (header :contains [\"from\", \"sender\"] \"user" + std::to_string(i) +
         "@example.com\", size :over 100K) {\n  fileinto \"box" + std::to_string(i) +
         "\";\n  stop;\n}\n";
  }
  auto r = parse_ok(s);
  EXPECT_EQ(r.script.commands.size(), 2001u);
}

}  // namespace
}  // namespace zest::grammar
