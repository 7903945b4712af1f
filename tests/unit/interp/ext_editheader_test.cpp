// RFC 5293 editheader: the examples of §8, protected fields (§6), :index /
// :last and that later tests and actions see the edited message.
#include <gtest/gtest.h>

#include "interp/runtime.hpp"
#include "mail/message.hpp"
#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::compile_errors;
using testing::compile_ok;

struct Edited {
  RunOutput out;
  std::string raw;  // the message as edited at the end ("" when unchanged)
  std::vector<std::string> action_raws;
};

Edited run_edit(std::string_view src, std::string_view msg, const EngineSettings& settings = {}) {
  const Program p = compile_ok(src, settings);
  const mail::Message m{std::string(msg)};
  const Envelope env = testing::default_envelope();
  Host host;
  ResultState result;
  Runtime rt(p, m, env, host, settings, testing::registry(), result);
  Vm vm(rt);
  Edited e;
  e.out = finish_run(rt, vm.run());
  if (const auto* ed = result.actions.edited_message(&m)) e.raw = std::string(ed->raw());
  for (std::size_t i = 0; i < result.actions.actions().size(); ++i) {
    const auto* snap = result.actions.message_of(i);
    e.action_raws.push_back(snap ? std::string(snap->raw()) : std::string(m.raw()));
  }
  return e;
}

constexpr std::string_view kMsg =
    "Received: from a by b\r\nX-A: one\r\nSubject: Hello\r\nX-A: two\r\n"
    "Auto-Submitted: no\r\n\r\nbody\r\n";

TEST(ExtEditheader, Rfc5293Example) {
  // §8: mark spam in the subject and tag the message.
  const auto e = run_edit(
      "require [\"editheader\", \"variables\"];\n"
      "if header :matches \"Subject\" \"*\" {\n"
      "  deleteheader \"Subject\";\n"
      "  addheader :last \"Subject\" \"[SPAM] ${1}\";\n"
      "}\n"
      "addheader \"X-Hello\" \"World\";\n"
      "if not header :is \"subject\" \"[SPAM] Hello\" { discard; }\n",
      kMsg);
  ASSERT_EQ(e.out.status, RunOutput::Status::Ok);
  EXPECT_TRUE(e.out.implicit_keep);  // the header test saw the edit
  const mail::Message m{e.raw};
  EXPECT_EQ(m.header_raw("subject").at(0), "[SPAM] Hello");
  EXPECT_EQ(m.headers().front().name, "X-Hello");  // added first by default
  EXPECT_EQ(m.headers().back().name, "Subject");   // :last appends
  EXPECT_EQ(m.body(), "body\r\n");
}

TEST(ExtEditheader, IndexLastAndValuePatterns) {
  auto e = run_edit("require \"editheader\"; deleteheader :index 1 :last \"X-A\";", kMsg);
  EXPECT_EQ(mail::Message{e.raw}.header_raw("x-a").size(), 1u);
  EXPECT_EQ(mail::Message{e.raw}.header_raw("x-a").at(0), "one");
  e = run_edit("require \"editheader\"; deleteheader :matches \"X-A\" \"o*\";", kMsg);
  EXPECT_EQ(mail::Message{e.raw}.header_raw("x-a").at(0), "two");
}

TEST(ExtEditheader, ProtectedFields) {
  auto e = run_edit(
      "require \"editheader\"; deleteheader \"Received\"; deleteheader \"Auto-Submitted\";\n"
      "if not exists [\"received\", \"auto-submitted\"] { discard; }",
      kMsg);
  EXPECT_TRUE(e.out.implicit_keep);
  EngineSettings s;
  s.values["editheader_protected"] = "x-a";
  e = run_edit("require \"editheader\"; deleteheader \"X-A\"; addheader \"X-A\" \"3\";", kMsg, s);
  EXPECT_EQ(e.raw, "");  // nothing changed
}

TEST(ExtEditheader, ActionsCarryTheVersionTheySaw) {
  const auto e = run_edit(
      "require [\"editheader\", \"fileinto\"]; addheader \"X-1\" \"a\"; fileinto \"A\";\n"
      "deleteheader \"X-1\"; fileinto \"B\";",
      kMsg);
  ASSERT_EQ(e.action_raws.size(), 2u);
  EXPECT_NE(e.action_raws[0].find("X-1: a"), std::string::npos);
  EXPECT_EQ(e.action_raws[1].find("X-1: a"), std::string::npos);
}

TEST(ExtEditheader, EncodesAndFolds) {
  const auto e = run_edit("require \"editheader\"; addheader \"X-U\" \"Это тест!\";", kMsg);
  const mail::Message m{e.raw};
  EXPECT_EQ(m.header_decoded("x-u").at(0), "Это тест!");
  EXPECT_EQ(m.header_raw("x-u").at(0).find("=?utf-8?B?"), 0u);
}

TEST(ExtEditheader, CompileErrors) {
  EXPECT_NE(compile_errors("require \"editheader\"; addheader \"X:y\" \"v\";"), "");
  EXPECT_NE(compile_errors("require \"editheader\"; deleteheader :last \"X\";"), "");
  EXPECT_NE(compile_errors("require \"editheader\"; addheader \"X\";"), "");
  EXPECT_EQ(compile_errors("require \"editheader\"; deleteheader :matches \"X\";"), "");
}

TEST(ExtEditheader, RuntimeInvalidName) {
  const auto e = run_edit(
      "require [\"editheader\", \"variables\"]; set \"h\" \"X:\"; addheader \"${h}\" \"v\";", kMsg);
  EXPECT_EQ(e.out.status, RunOutput::Status::RuntimeError);
}

}  // namespace
}  // namespace zest::interp
