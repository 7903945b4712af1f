// base/log_format: logfmt and JSON lines, levels, the event list, journald
// fields. A value with CR or LF never makes a second line (log injection).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/log_format.hpp"
#include "base/logfmt.hpp"

namespace zest::base {
namespace {

TEST(LogFormat, LevelsParseAndOrder) {
  EXPECT_EQ(parse_log_level("debug"), LogLevel::Debug);
  EXPECT_EQ(parse_log_level("warning"), LogLevel::Warning);
  EXPECT_FALSE(parse_log_level("warn"));
  EXPECT_FALSE(parse_log_level("INFO"));
  EXPECT_EQ(log_level_name(LogLevel::Error), "error");
  EXPECT_LT(static_cast<int>(LogLevel::Info), static_cast<int>(LogLevel::Warning));
  EXPECT_EQ(syslog_priority(LogLevel::Warning), 4);
}

TEST(LogFormat, EventsHaveUniqueNamesAndLevels) {
  ASSERT_FALSE(log_events().empty());
  for (const auto& e : log_events()) {
    EXPECT_EQ(find_log_event(e.name), &e) << e.name;  // no duplicate
    EXPECT_FALSE(e.doc.empty()) << e.name;
  }
  EXPECT_EQ(find_log_event("login-failed")->level, LogLevel::Warning);
  EXPECT_EQ(find_log_event("delivery")->level, LogLevel::Info);
  EXPECT_EQ(find_log_event("no-such-event"), nullptr);
  const std::string md = log_events_markdown();
  EXPECT_NE(md.find("| `delivery` | info |"), std::string::npos);
}

TEST(LogFormat, ParseInvertsLogField) {
  const std::string line = "event=delivery " + log_field("user", "alice") + " " +
                           log_field("subject", "a \"quoted\" = \\ value") + " " +
                           log_field("empty", "") + " " + log_field("nl", "one\ntwo");
  const auto f = parse_logfmt(line);
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[0], (LogField{"event", "delivery"}));
  EXPECT_EQ(f[1], (LogField{"user", "alice"}));
  EXPECT_EQ(f[2], (LogField{"subject", "a \"quoted\" = \\ value"}));
  EXPECT_EQ(f[3], (LogField{"empty", ""}));
  EXPECT_EQ(f[4], (LogField{"nl", "one\ntwo"}));
  EXPECT_EQ(format_logfmt(f), line);
}

TEST(LogFormat, CrLfInAValueNeverStartsALine) {
  // A user name or subject with CR/LF must not forge a line a log reader
  // (or fail2ban) would take for zestd's own.
  const std::string evil = "x\r\n2026-01-01T00:00:00.000Z zestd[1]: event=login-failed ip=10.0.0.1";
  const std::vector<LogField> fields = {{"event", "login"}, {"user", evil}};
  const std::string logfmt = format_logfmt(fields);
  EXPECT_EQ(logfmt.find('\n'), std::string::npos);
  EXPECT_EQ(logfmt.find('\r'), std::string::npos);
  // Through a raw line too: the logger re-renders what it parses.
  const std::string raw = "event=login user=\"a\nb\" other=\"c\rd\"";
  const std::string again = format_logfmt(parse_logfmt(raw));
  EXPECT_EQ(again.find('\n'), std::string::npos);
  EXPECT_EQ(again.find('\r'), std::string::npos);

  const std::string json = format_json("t", LogLevel::Info, "zestd", 1, fields);
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_EQ(json.find('\r'), std::string::npos);
  EXPECT_NE(json.find("\\r\\n"), std::string::npos);
}

TEST(LogFormat, JsonIsValidWithEveryByte) {
  std::string all;
  for (int c = 1; c < 256; ++c) all += static_cast<char>(c);
  const std::vector<LogField> fields = {{"event", "delivery"},
                                        {"subject", "say \"hi\" \\ to\tthem"},
                                        {"bytes", all},
                                        {"utf8", "Grüße ✓"},
                                        {"level", "not a second level key"}};
  const std::string line =
      format_json("2026-12-05T05:00:00.000Z", LogLevel::Warning, "zestd", 42, fields);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto j = nlohmann::json::parse(line);  // throws when not valid JSON
  EXPECT_EQ(j["time"], "2026-12-05T05:00:00.000Z");
  EXPECT_EQ(j["level"], "warning");
  EXPECT_EQ(j["prog"], "zestd");
  EXPECT_EQ(j["pid"], 42);
  EXPECT_EQ(j["event"], "delivery");
  EXPECT_EQ(j["subject"], "say \"hi\" \\ to\tthem");
  EXPECT_EQ(j["utf8"], "Grüße ✓");
  // Bytes that are not UTF-8 arrive as U+FFFD; the ASCII ones as they were.
  const std::string bytes = j["bytes"];
  EXPECT_EQ(bytes.substr(0, 127), all.substr(0, 127));
  EXPECT_NE(bytes.find("\xEF\xBF\xBD"), std::string::npos);
}

TEST(LogFormat, JsonStringEscapes) {
  EXPECT_EQ(json_string("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(json_string("a\\b"), "\"a\\\\b\"");
  EXPECT_EQ(json_string("\n\r\t"), "\"\\n\\r\\t\"");
  EXPECT_EQ(json_string(std::string_view("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
  EXPECT_EQ(json_string(std::string_view("\0", 1)), "\"\\u0000\"");
}

TEST(LogFormat, JournalFields) {
  const std::vector<LogField> fields = {
      {"event", "login-failed"}, {"user", "bob"}, {"restart_needed", "x"}, {"a-b.c", "1"}};
  const auto j = journal_fields("zestd", LogLevel::Warning, "event=login-failed user=bob", fields);
  ASSERT_EQ(j.size(), 8u);
  EXPECT_EQ(j[0], "MESSAGE=event=login-failed user=bob");
  EXPECT_EQ(j[1], "PRIORITY=4");
  EXPECT_EQ(j[2], "SYSLOG_IDENTIFIER=zestd");
  EXPECT_EQ(j[3], "SYSLOG_FACILITY=2");
  EXPECT_EQ(j[4], "ZEST_EVENT=login-failed");
  EXPECT_EQ(j[5], "ZEST_USER=bob");
  EXPECT_EQ(j[6], "ZEST_RESTART_NEEDED=x");
  EXPECT_EQ(j[7], "ZEST_A_B_C=1");
}

}  // namespace
}  // namespace zest::base
