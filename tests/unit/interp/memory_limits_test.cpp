// Issue 15.1: a script cannot make a run hold memory out of proportion to
// its input. Expanded strings get the variable size limit of `set`
// ([sieve] max_variable_size), and a run has a memory budget
// ([sieve] max_memory) that ends it with a run-time error and the implicit
// keep. Peaks are the bytes held through operator new (alloc_counter.hpp).
#include <gtest/gtest.h>

#include <string>

#include "alloc_counter.hpp"
#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::compile_ok;
using testing::default_envelope;
using testing::kMessage;
using testing::registry;

struct Measured {
  RunOutput out;
  std::size_t growth = 0;
};

Measured measure(const std::string& script, const EngineSettings& settings = {}) {
  const Program program = compile_ok(script, settings);
  const mail::Message message{std::string(kMessage)};
  Host host;
  const std::size_t before = zest::testing::live_bytes();
  zest::testing::reset_peak();
  Measured m;
  m.out = run_program(program, message, default_envelope(), host, settings, registry());
  m.growth = zest::testing::peak_bytes() - before;
  return m;
}

// `set "a"` to 4 KiB, the default variable size limit.
std::string four_kib_variable() {
  return "require [\"variables\", \"imap4flags\", \"fileinto\"];\nset \"a\" \"" +
         std::string(4096, 'x') + "\";\n";
}

EngineSettings generous() {
  EngineSettings s;
  s.max_script_size = 4u << 20;
  return s;
}

TEST(MemoryLimits, ManyExpansionsInOneStringStayProportional) {
  // Half a megabyte of "${a}" in one argument: 131 072 x 4 KiB would be
  // 512 MiB; the expansion adds at most one variable's worth.
  std::string refs;
  while (refs.size() < 512 * 1024) refs += "${a}";
  const std::string script = four_kib_variable() + "if string :is \"" + refs +
                             "\" \"\" { discard; }\n"
                             "set :length \"n\" \"" +
                             refs +
                             "\";\n"
                             "if string \"${n}\" \"4096\" { addflag \"capped\"; }\nkeep;\n";
  const Measured m = measure(script, generous());
  ASSERT_EQ(m.out.status, RunOutput::Status::Ok) << (m.out.errors.empty() ? "" : m.out.errors[0]);
  const auto desc = testing::describe(m.out);
  ASSERT_FALSE(desc.empty());
  EXPECT_NE(desc.back().find("+capped"), std::string::npos) << desc.back();
  // The compiled program is not part of the run; the run holds a few
  // copies of the literal text at most.
  EXPECT_LE(m.growth, 4 * script.size() + (1u << 20)) << "peak growth " << m.growth;
}

TEST(MemoryLimits, ExpansionIsCutLikeSet) {
  // Substituted values stop at the limit at a character boundary; the
  // literal text of the string is kept.
  EngineSettings s;
  s.values["variables_max_variable_size"] = "10";
  const RunOutput out = testing::run(
      "require [\"variables\", \"imap4flags\", \"encoded-character\"];\n"
      "set \"a\" \"123456\";\n"
      "set \"u\" \"${unicode:e9}${unicode:e9}\";\n"
      "if string :is \"<${a}${a}>\" \"<1234561234>\" { addflag \"cut\"; }\n"
      "set \"b\" \"12345678\";\n"
      "if string :is \"${b}${u}\" \"12345678${unicode:e9}\" { addflag \"utf8\"; }\n"
      "keep;\n",
      kMessage, s);
  ASSERT_EQ(out.status, RunOutput::Status::Ok);
  const auto desc = testing::describe(out);
  ASSERT_FALSE(desc.empty());
  EXPECT_NE(desc.back().find("+cut"), std::string::npos) << desc.back();
  EXPECT_NE(desc.back().find("+utf8"), std::string::npos) << desc.back();
}

TEST(MemoryLimits, OverBudgetEndsWithRuntimeErrorAndKeep) {
  // A list of 100 000 expanded strings of 4 KiB (390 MiB) against the
  // default 32 MiB budget.
  std::string list;
  for (int i = 0; i < 100'000; ++i) list += std::string(i ? "," : "") + "\"${a}\"";
  const std::string script =
      four_kib_variable() + "fileinto \"Junk\";\nif string :is [" + list + "] \"x\" { discard; }\n";
  const Measured m = measure(script, generous());
  EXPECT_EQ(m.out.status, RunOutput::Status::RuntimeError);
  EXPECT_TRUE(m.out.implicit_keep);
  ASSERT_FALSE(m.out.errors.empty());
  EXPECT_NE(m.out.errors[0].find("memory limit"), std::string::npos) << m.out.errors[0];
  EXPECT_LE(m.growth, EngineSettings{}.max_memory + 4 * script.size() + (1u << 20))
      << "peak growth " << m.growth;
}

TEST(MemoryLimits, VariablesCountTowardsTheBudget) {
  EngineSettings s;
  s.max_memory = 64 * 1024;
  std::string script = four_kib_variable();
  for (int i = 0; i < 20; ++i) script += "set \"v" + std::to_string(i) + "\" \"${a}\";\n";
  script += "keep;\n";
  const RunOutput out = testing::run(script, kMessage, s);
  EXPECT_EQ(out.status, RunOutput::Status::RuntimeError);
  EXPECT_TRUE(out.implicit_keep);
  ASSERT_FALSE(out.errors.empty());
  EXPECT_NE(out.errors[0].find("exceeded the memory limit"), std::string::npos) << out.errors[0];
  // Overwriting one variable holds its size once.
  std::string again = four_kib_variable();
  for (int i = 0; i < 100; ++i) again += "set \"v\" \"${a}\";\n";
  EXPECT_EQ(testing::run(again + "keep;\n", kMessage, s).status, RunOutput::Status::Ok);
}

TEST(MemoryLimits, ZeroMeansUnlimited) {
  EngineSettings s;
  s.max_memory = 0;
  std::string script = four_kib_variable();
  for (int i = 0; i < 20; ++i) script += "set \"v" + std::to_string(i) + "\" \"${a}\";\n";
  EXPECT_EQ(testing::run(script + "keep;\n", kMessage, s).status, RunOutput::Status::Ok);
}

}  // namespace
}  // namespace zest::interp
