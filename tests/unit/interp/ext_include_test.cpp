// RFC 6609 include: include/return/global with scripts served by a test
// host (the RFC §3.3 and §6 examples), loops, limits and :once/:optional.
#include <gtest/gtest.h>

#include <map>

#include "interp/checker.hpp"
#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::describe;
using testing::diag_text;
using V = std::vector<std::string>;

class ScriptHost final : public Host {
 public:
  std::map<std::string, std::string> personal, global;
  std::optional<std::string> include_source(std::string_view name, bool is_global) override {
    const auto& m = is_global ? global : personal;
    auto it = m.find(std::string(name));
    return it == m.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

CompileResult compile_with(ScriptHost& host, std::string_view src,
                           const EngineSettings& settings = {}) {
  CompileEnv env{&host, {}};
  return compile(src, testing::registry(), settings, &env);
}

RunOutput run_with(ScriptHost& host, std::string_view src, const EngineSettings& settings = {}) {
  auto r = compile_with(host, src, settings);
  EXPECT_TRUE(r.program) << diag_text(r.diags);
  if (!r.program) return {};
  const mail::Message msg{std::string(testing::kMessage)};
  return run_program(*r.program, msg, testing::default_envelope(), host, settings,
                     testing::registry());
}

// RFC 6609 §3.3 example 1 (shortened): a personal and a global script.
TEST(Include, RfcExampleOne) {
  ScriptHost host;
  host.personal["always_allow"] = "if address :is \"from\" \"coyote@desert.example.org\" { keep; }";
  host.global["spam_tests"] =
      "require \"fileinto\"; if header :contains \"subject\" \"present\" { fileinto \"spam\"; }";
  const RunOutput out = run_with(host,
                                 "require [\"include\"];\n"
                                 "include :personal \"always_allow\";\n"
                                 "include :global \"spam_tests\";\n");
  EXPECT_EQ(describe(out), (V{"keep", "fileinto spam"}));
}

// RFC 6609 §3.3 example 2: a global variable set by the includer.
TEST(Include, RfcExampleGlobalVariable) {
  ScriptHost host;
  host.personal["spam_filter_script"] =
      "require [\"variables\", \"include\", \"fileinto\"];\n"
      "global [\"test\", \"test_mailbox\"];\n"
      "if header :contains \"Subject\" \"${test}\" { set \"test_mailbox\" \"spam-${test}\"; }";
  const RunOutput out = run_with(host,
                                 "require [\"variables\", \"include\", \"fileinto\"];\n"
                                 "global \"test\"; global \"test_mailbox\";\n"
                                 "set \"test\" \"present\";\n"
                                 "include \"spam_filter_script\";\n"
                                 "if string :is \"${global.test_mailbox}\" \"spam-present\" {\n"
                                 "  fileinto \"${test_mailbox}\"; }");
  EXPECT_EQ(describe(out), (V{"fileinto spam-present"}));
}

TEST(Include, ReturnEndsOnlyTheIncludedScript) {
  ScriptHost host;
  host.personal["a"] = "require \"include\"; keep; return; discard;";
  const RunOutput out = run_with(host,
                                 "require [\"include\", \"fileinto\"];\n"
                                 "include \"a\"; fileinto \"after\";");
  EXPECT_EQ(describe(out), (V{"keep", "fileinto after"}));
}

TEST(Include, StopEndsEveryScript) {
  ScriptHost host;
  host.personal["a"] = "keep; stop;";
  const RunOutput out =
      run_with(host, "require [\"include\", \"fileinto\"]; include \"a\"; fileinto \"after\";");
  EXPECT_EQ(describe(out), (V{"keep"}));
}

TEST(Include, OnceAndOptional) {
  ScriptHost host;
  host.personal["a"] = "require \"fileinto\"; fileinto \"a\";";
  const RunOutput out = run_with(host,
                                 "require \"include\";\n"
                                 "include \"a\"; include :once \"a\";\n"
                                 "include :optional \"missing\";");
  EXPECT_EQ(describe(out), (V{"fileinto a"}));
}

TEST(Include, CompileTimeErrors) {
  ScriptHost host;
  host.personal["loop"] = "require \"include\"; include \"loop\";";
  EXPECT_NE(diag_text(compile_with(host, "require \"include\"; include \"loop\";").diags)
                .find("circular include"),
            std::string::npos);
  EXPECT_NE(diag_text(compile_with(host, "require \"include\"; include \"nope\";").diags)
                .find("does not exist"),
            std::string::npos);
  EXPECT_NE(diag_text(compile_with(host, "require \"include\"; include \"../x\";").diags)
                .find("invalid script name"),
            std::string::npos);
  EXPECT_NE(
      diag_text(compile_with(host, "require \"include\"; global \"x\";").diags).find("variables"),
      std::string::npos);
}

TEST(Include, DepthLimit) {
  ScriptHost host;
  host.personal["d1"] = "require \"include\"; include \"d2\";";
  host.personal["d2"] = "require \"include\"; include \"d3\";";
  host.personal["d3"] = "keep;";
  EngineSettings s;
  s.values["include_max_nesting_depth"] = "2";
  EXPECT_FALSE(compile_with(host, "require \"include\"; include \"d1\";", s).program);
  s.values["include_max_nesting_depth"] = "3";
  EXPECT_TRUE(compile_with(host, "require \"include\"; include \"d1\";", s).program);
}

// Without a host at compile time, a loop is found when it runs.
TEST(Include, RunTimeLoop) {
  ScriptHost host;
  host.personal["loop"] = "require \"include\"; include \"loop\";";
  auto r = compile("require \"include\"; include \"loop\";", testing::registry(), {});
  ASSERT_TRUE(r.program);
  const mail::Message msg{std::string(testing::kMessage)};
  const RunOutput out =
      run_program(*r.program, msg, testing::default_envelope(), host, {}, testing::registry());
  EXPECT_EQ(out.status, RunOutput::Status::RuntimeError);
}

}  // namespace
}  // namespace zest::interp
