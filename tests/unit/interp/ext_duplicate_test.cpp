// RFC 7352 duplicate: the examples of §3 and the tracking through the host
// (ids are recorded only when the result is executed).
#include <gtest/gtest.h>

#include <set>

#include "interp/runtime.hpp"
#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::compile_errors;
using testing::compile_ok;

struct TrackingHost : Host {
  std::set<std::string, std::less<>> seen;
  bool duplicate_exists(std::string_view id) override { return seen.count(id) > 0; }
};

// Runs `src`, then "executes" the result by recording its duplicate marks.
struct Delivery {
  TrackingHost host;
  std::vector<DuplicateMark> last_marks;
  RunOutput deliver(std::string_view src, std::string_view msg) {
    const Program p = compile_ok(src);
    const mail::Message m{std::string(msg)};
    const Envelope env = testing::default_envelope();
    const EngineSettings settings;
    ResultState result;
    Runtime rt(p, m, env, host, settings, testing::registry(), result);
    Vm vm(rt);
    RunOutput out = finish_run(rt, vm.run());
    last_marks = result.actions.duplicate_marks();
    for (const auto& mk : last_marks) host.seen.insert(mk.id);
    return out;
  }
};

constexpr std::string_view kMsg1 = "Message-ID: <a@example.org>\r\nSubject: one\r\n\r\nx\r\n";
constexpr std::string_view kMsg2 = "Message-ID: <b@example.org>\r\nSubject: one\r\n\r\nx\r\n";

TEST(ExtDuplicate, Rfc7352Example1DiscardsSecondCopy) {
  const char* src = "require \"duplicate\";\nif duplicate {\n  discard;\n}\n";
  Delivery d;
  EXPECT_TRUE(d.deliver(src, kMsg1).implicit_keep);
  EXPECT_FALSE(d.deliver(src, kMsg1).implicit_keep);  // same Message-ID: discarded
  EXPECT_TRUE(d.deliver(src, kMsg2).implicit_keep);
}

TEST(ExtDuplicate, Rfc7352Example2HeaderAndHandle) {
  // §3 example: per-subject tracking with :header and :handle.
  const char* src =
      "require [\"duplicate\", \"variables\"];\n"
      "if header :matches \"subject\" \"ALERT: *\" {\n"
      "  if duplicate :seconds 60 :uniqueid \"${1}\" {\n"
      "    discard;\n"
      "  }\n"
      "}\n";
  Delivery d;
  const std::string alert = "Subject: ALERT: disk full\r\n\r\nx\r\n";
  EXPECT_TRUE(d.deliver(src, alert).implicit_keep);
  ASSERT_EQ(d.last_marks.size(), 1u);
  EXPECT_EQ(d.last_marks[0].seconds, 60u);
  EXPECT_FALSE(d.deliver(src, alert).implicit_keep);

  const char* by_header =
      "require \"duplicate\"; if duplicate :header \"subject\" :handle "
      "\"h\" { discard; }";
  Delivery e;
  EXPECT_TRUE(e.deliver(by_header, kMsg1).implicit_keep);
  EXPECT_FALSE(e.deliver(by_header, kMsg2).implicit_keep);  // same subject
}

TEST(ExtDuplicate, HeaderValueLosesSpaceTabCrLfButNotOtherControls) {
  // The id is the trimmed field value: surrounding space and tab go, but a
  // vertical tab is content, so those two messages differ.
  const char* src = "require \"duplicate\"; if duplicate :header \"x-id\" { discard; }";
  Delivery d;
  EXPECT_TRUE(d.deliver(src, "X-Id: \t abc \t\r\n\r\nx\r\n").implicit_keep);
  EXPECT_FALSE(d.deliver(src, "X-Id: abc\r\n\r\nx\r\n").implicit_keep);
  EXPECT_TRUE(d.deliver(src, "X-Id: \vabc\r\n\r\nx\r\n").implicit_keep);
}

TEST(ExtDuplicate, LastRenewsAndMaxPeriodClamps) {
  Delivery d;
  d.deliver("require \"duplicate\"; if duplicate :seconds 999999999 {}", kMsg1);
  ASSERT_EQ(d.last_marks.size(), 1u);
  EXPECT_EQ(d.last_marks[0].seconds, 7u * 86400);  // sieve_duplicate_max_period
  d.deliver("require \"duplicate\"; if duplicate {}", kMsg1);
  EXPECT_TRUE(d.last_marks.empty());  // seen: not recorded again
  d.deliver("require \"duplicate\"; if duplicate :last {}", kMsg1);
  EXPECT_EQ(d.last_marks.size(), 1u);  // :last renews the expiry
}

TEST(ExtDuplicate, CompileErrors) {
  EXPECT_NE(compile_errors("require \"duplicate\"; if duplicate :header \"x\" :uniqueid \"y\" {}"),
            "");
  EXPECT_NE(compile_errors("require [\"duplicate\", \"vnd.dovecot.duplicate\"]; if duplicate {}"),
            "");
  EXPECT_NE(compile_errors("if duplicate {}"), "");
  EXPECT_EQ(compile_errors("require \"vnd.dovecot.duplicate\"; if duplicate :handle \"x\" {}"), "");
}

}  // namespace
}  // namespace zest::interp
