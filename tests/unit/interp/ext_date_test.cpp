// RFC 5260 date and index: the examples of §4–§7 and every date-part.
#include <gtest/gtest.h>

#include <ctime>

#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::describe;
using testing::run;
using testing::test_true;
using V = std::vector<std::string>;

constexpr std::string_view kMessage =
    "Received: from a.example.org by mx.example.com; Mon, 26 Feb 2007 08:10:00 -0500\r\n"
    "Received: from b.example.org by a.example.org; Sun, 25 Feb 2007 23:59:00 -0800\r\n"
    "Received: from c.example.org by b.example.org; Sun, 25 Feb 2007 20:00:00 -0800\r\n"
    "Date: Sun, 25 Feb 2007 10:13:43 -0800 (PST)\r\n"
    "From: boss@example.com\r\n"
    "To: me@example.com\r\n"
    "Subject: report\r\n"
    "\r\n"
    "Where is it?\r\n";

TEST(ExtDate, Rfc5260Section4ExampleWorkingHours) {
  const std::string script =
      "require [\"date\", \"relational\", \"fileinto\"];\n"
      "if allof(header :is \"from\" \"boss@example.com\",\n"
      "         date :value \"ge\" :originalzone \"date\" \"hour\" \"09\",\n"
      "         date :value \"lt\" :originalzone \"date\" \"hour\" \"17\")\n"
      "{ fileinto \"urgent\"; }\n";
  EXPECT_EQ(describe(run(script, kMessage)), V{"fileinto urgent"});
}

// A Date header whose comment ends in a backslash (found by fuzzing) is not a
// date, and must not throw.
TEST(ExtDate, CommentEndingInBackslashIsNoDate) {
  const std::string script =
      "require [\"date\", \"fileinto\"];\n"
      "if date :matches \"date\" \"year\" \"*\" { fileinto \"dated\"; }\n";
  for (const char* date : {"Sun, (\\", "(\\", "Sun, 25 Feb 2007 (x\\", "(((\\"}) {
    const std::string msg = std::string("Date: ") + date + "\r\nSubject: x\r\n\r\nbody\r\n";
    EXPECT_EQ(describe(run(script, msg)), V{}) << date;  // implicit keep
  }
}

TEST(ExtDate, Rfc5260Section5ExampleCurrentdate) {
  const std::string script =
      "require [\"date\", \"variables\", \"fileinto\"];\n"
      "if currentdate :zone \"+0000\" :matches \"month\" \"*\" { set \"month\" \"${1}\"; }\n"
      "if currentdate :zone \"+0000\" :matches \"year\"  \"*\" { set \"year\"  \"${1}\"; }\n"
      "fileinto \"${month}-${year}\";\n";
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char want[32];
  std::strftime(want, sizeof want, "fileinto %m-%Y", &tm);
  EXPECT_EQ(describe(run(script, kMessage)), V{want});
}

TEST(ExtDate, Rfc5260Section7IndexExample) {
  // The second Received field is 2007-02-26T02:59:00-05:00: before the cutoff.
  const std::string script =
      "require [\"date\", \"relational\", \"index\"];\n"
      "if date :value \"gt\" :index 2 :zone \"-0500\" \"received\"\n"
      "        \"iso8601\" \"2007-02-26T09:00:00-05:00\"\n"
      "{ redirect \"aftercutoff@example.org\"; }\n";
  EXPECT_TRUE(describe(run(script, kMessage)).empty());
  EXPECT_TRUE(test_true("require [\"date\", \"index\"];",
                        "date :index 2 :zone \"-0500\" \"received\" \"iso8601\" "
                        "\"2007-02-26T02:59:00-05:00\"",
                        kMessage));
  EXPECT_TRUE(test_true("require [\"date\", \"index\"];",
                        "date :index 1 :last :originalzone \"received\" \"time\" \"20:00:00\"",
                        kMessage));
}

TEST(ExtDate, EveryDatePart) {
  const std::string req = "require \"date\";";
  auto part = [&](std::string_view p, std::string_view v) {
    return test_true(
        req, "date :originalzone \"date\" \"" + std::string(p) + "\" \"" + std::string(v) + "\"",
        kMessage);
  };
  EXPECT_TRUE(part("year", "2007"));
  EXPECT_TRUE(part("month", "02"));
  EXPECT_TRUE(part("day", "25"));
  EXPECT_TRUE(part("date", "2007-02-25"));
  EXPECT_TRUE(part("julian", "54156"));
  EXPECT_TRUE(part("hour", "10"));
  EXPECT_TRUE(part("minute", "13"));
  EXPECT_TRUE(part("second", "43"));
  EXPECT_TRUE(part("time", "10:13:43"));
  EXPECT_TRUE(part("iso8601", "2007-02-25T10:13:43-08:00"));
  EXPECT_TRUE(part("std11", "Sun, 25 Feb 2007 10:13:43 -0800"));
  EXPECT_TRUE(part("zone", "-0800"));
  EXPECT_TRUE(part("weekday", "0"));
  EXPECT_TRUE(part("WeekDay", "0"));
}

TEST(ExtDate, ZoneConversion) {
  const std::string req = "require \"date\";";
  EXPECT_TRUE(test_true(
      req, "date :zone \"+0100\" \"date\" \"iso8601\" \"2007-02-25T19:13:43+01:00\"", kMessage));
  EXPECT_TRUE(test_true(req, "date :zone \"+0930\" \"date\" \"date\" \"2007-02-26\"", kMessage));
}

TEST(ExtDate, Iso8601PrintsZForZeroOffset) {
  const std::string req = "require \"date\";";
  EXPECT_TRUE(test_true(req, "date :zone \"+0000\" \"date\" \"iso8601\" \"2007-02-25T18:13:43Z\"",
                        kMessage));
  EXPECT_TRUE(test_true(req, "date :zone \"-0000\" \"date\" \"iso8601\" \"2007-02-25T18:13:43Z\"",
                        kMessage));
  EXPECT_TRUE(test_true(
      req, "currentdate :zone \"+0000\" :matches \"iso8601\" \"*-*-*T*:*:*Z\"", kMessage));
  EXPECT_FALSE(test_true(
      req, "date :zone \"+0000\" \"date\" \"iso8601\" \"2007-02-25T18:13:43+00:00\"", kMessage));
}

TEST(ExtDate, InvalidDatesGiveNoValue) {
  constexpr std::string_view m = "Date: Moo, 34 Juul 3060 25:30:42 +6600\r\n\r\nx\r\n";
  EXPECT_FALSE(test_true("require \"date\";", "date :matches \"date\" \"date\" \"*\"", m));
  EXPECT_TRUE(test_true("require [\"date\", \"relational\"];",
                        "date :count \"eq\" \"date\" \"date\" \"0\"", m));
}

TEST(ExtDate, ObsoleteSyntax) {
  constexpr std::string_view m = "Date: 5 Mar 99 01:02 EST\r\n\r\nx\r\n";
  EXPECT_TRUE(test_true("require \"date\";",
                        "date :originalzone \"date\" \"iso8601\" \"1999-03-05T01:02:00-05:00\"",
                        m));
}

TEST(ExtDate, Errors) {
  EXPECT_NE(testing::compile_errors("require \"date\"; if date \"date\" \"frop\" \"x\" {}"), "");
  EXPECT_NE(
      testing::compile_errors(
          "require \"date\"; if date :zone \"+0100\" :originalzone \"date\" \"year\" \"x\" {}"),
      "");
  EXPECT_NE(
      testing::compile_errors("require \"date\"; if currentdate :originalzone \"year\" \"x\" {}"),
      "");
}

TEST(ExtIndex, HeaderAndAddress) {
  constexpr std::string_view m =
      "X-A: one\r\nTo: a@example.com\r\nX-A: two\r\nTo: b@example.com\r\nX-A: three\r\n\r\nx\r\n";
  const std::string req = "require \"index\";";
  EXPECT_TRUE(test_true(req, "header :index 2 \"x-a\" \"two\"", m));
  EXPECT_FALSE(test_true(req, "header :index 2 \"x-a\" [\"one\", \"three\"]", m));
  EXPECT_TRUE(test_true(req, "header :index 1 :last \"x-a\" \"three\"", m));
  EXPECT_FALSE(test_true(req, "header :index 4 \"x-a\" \"*\"", m));
  EXPECT_TRUE(test_true(req, "address :localpart :index 2 \"to\" \"b\"", m));
  EXPECT_TRUE(test_true(req, "address :localpart :index 2 :last \"to\" \"a\"", m));
}

TEST(ExtIndex, Errors) {
  EXPECT_NE(testing::compile_errors("require \"index\"; if header :last \"to\" \"x\" {}"), "");
  EXPECT_NE(testing::compile_errors("require \"index\"; if header :index 0 \"to\" \"x\" {}"), "");
  EXPECT_NE(testing::compile_errors("if header :index 1 \"to\" \"x\" {}"), "");
}

}  // namespace
}  // namespace zest::interp
