// RFC 5230 vacation / RFC 6131 vacation-seconds: the examples of RFC 5230
// §4 and RFC 6131 §2, the period policy and the action conflicts. The reply
// message is tested with the executor (tests/unit/delivery/outgoing_test.cpp).
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::compile_errors;
using testing::run;

const VacationAction& only_vacation(const RunOutput& out) {
  EXPECT_EQ(out.status, RunOutput::Status::Ok) << (out.errors.empty() ? "" : out.errors[0]);
  for (const auto& a : out.actions)
    if (const auto* v = std::get_if<VacationAction>(&a)) return *v;
  ADD_FAILURE() << "no vacation action";
  static const VacationAction none;
  return none;
}

TEST(ExtVacation, Rfc5230Examples) {
  // §4 "Examples" (first and third).
  const auto a =
      run("require \"vacation\";\n"
          "if header :contains \"subject\" \"cyrus\" {\n"
          "  vacation \"I'm out -- send mail to cyrus-bugs\";\n"
          "} else {\n"
          "  vacation \"I'm out -- call me at +1 304 555 0123\";\n"
          "}\n");
  EXPECT_EQ(only_vacation(a).reason, "I'm out -- call me at +1 304 555 0123");
  EXPECT_EQ(only_vacation(a).seconds, 7u * 86400);  // Pigeonhole's default period
  EXPECT_TRUE(a.implicit_keep);                     // vacation does not cancel it

  const auto b =
      run("require \"vacation\";\n"
          "vacation :days 23 :addresses [\"tjs@example.edu\", \"ts4z@landru.example.edu\"]\n"
          "  \"I'm away until October 19.  If it's an emergency, call 911, I guess.\" ;\n");
  const auto& v = only_vacation(b);
  EXPECT_EQ(v.seconds, 23u * 86400);
  EXPECT_EQ(v.addresses.size(), 2u);

  const auto c =
      run("require \"vacation\";\n"
          "vacation :mime text:\n"
          "Content-Type: multipart/alternative; boundary=foo\n"
          "\n"
          "--foo\n\nI'm at the beach relaxing.\n--foo--\n.\n;\n");
  EXPECT_TRUE(only_vacation(c).mime);

  const auto d =
      run("require \"vacation\";\n"
          "vacation :subject \"Gone fishin'\" :from \"myaddr@mydomain.example.com\"\n"
          "  :handle \"ski\" \"Gone skiing\";\n");
  EXPECT_EQ(only_vacation(d).subject.value_or(""), "Gone fishin'");
  EXPECT_EQ(only_vacation(d).handle.value_or(""), "ski");
}

TEST(ExtVacation, PeriodPolicy) {
  EXPECT_EQ(only_vacation(run("require \"vacation\"; vacation :days 0 \"x\";")).seconds, 86400u);
  EXPECT_EQ(only_vacation(run("require \"vacation\"; vacation :days 100 \"x\";")).seconds,
            60u * 86400);
  EngineSettings s;
  s.values["vacation_min_period"] = "1s";
  s.values["vacation_default_period"] = "2h";
  // RFC 6131 §2: :seconds, here within the configured bounds.
  EXPECT_EQ(only_vacation(run("require \"vacation-seconds\"; vacation :seconds 120 \"x\";",
                              testing::kMessage, s))
                .seconds,
            120u);
  EXPECT_EQ(
      only_vacation(run("require \"vacation\"; vacation \"x\";", testing::kMessage, s)).seconds,
      7200u);
}

TEST(ExtVacation, CompileErrors) {
  EXPECT_NE(compile_errors("require \"vacation\"; vacation :seconds 1 \"x\";"), "");
  EXPECT_NE(compile_errors("require \"vacation-seconds\"; vacation :days 1 :seconds 1 \"x\";"), "");
  EXPECT_NE(compile_errors("require \"vacation\"; vacation :from \"not an address\" \"x\";"), "");
  EXPECT_NE(compile_errors("require [\"vacation\", \"imap4flags\"]; vacation :flags \"\\\\Seen\" "
                           "\"x\";"),
            "");
  EXPECT_EQ(compile_errors("require [\"vacation\", \"fcc\", \"mailbox\"]; vacation :fcc \"Sent\" "
                           ":create \"x\";"),
            "");
}

// Issue 15.2: a line break in :from, constant or built at run time (here
// through ${hex:0d 0a}), would write a field (or a body) nobody wrote. A
// constant is a compile error; a built value a run-time error of the action.
TEST(ExtVacation, FromWithLineBreaksIsRefused) {
  EXPECT_NE(compile_errors("require \"vacation\"; vacation :from \"a@b.example\r\nBcc: "
                           "c@d.example\" \"x\";"),
            "");
  EXPECT_NE(compile_errors("require \"vacation\"; vacation :from \"Me\r\nBcc: x <a@b.example>\" "
                           "\"x\";"),
            "");
  const auto out =
      run("require [\"vacation\", \"variables\", \"encoded-character\"];\n"
          "set \"nl\" \"${hex:0d 0a}\";\n"
          "vacation :from \"Me${nl}Bcc: evil@x.example${nl}${nl}body <me@b.example>\" \"x\";");
  EXPECT_EQ(out.status, RunOutput::Status::RuntimeError);
  for (const auto& a : out.actions) EXPECT_FALSE(std::holds_alternative<VacationAction>(a));
}

TEST(ExtVacation, ConflictsWithReject) {
  const auto out = run("require [\"vacation\", \"reject\"]; vacation \"a\"; reject \"b\";");
  EXPECT_EQ(out.status, RunOutput::Status::RuntimeError);
  const auto twice = run("require \"vacation\"; vacation \"a\"; vacation \"b\";");
  EXPECT_EQ(twice.status, RunOutput::Status::RuntimeError);
}

}  // namespace
}  // namespace zest::interp
