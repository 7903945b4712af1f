// The one writer of generated messages: field checks, folding, CRLF,
// encoded-words, multipart bodies.
#include "mail/message_builder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mail/message.hpp"

namespace zest::mail {
namespace {

std::vector<std::string_view> lines_of(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0; start < s.size();) {
    const std::size_t end = s.find("\r\n", start);
    EXPECT_NE(end, std::string_view::npos) << "line without CRLF: " << s.substr(start);
    if (end == std::string_view::npos) break;
    out.push_back(s.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

bool only_crlf_line_ends(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return false;
    if (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n')) return false;
  }
  return true;
}

TEST(FieldName, Validity) {
  static_assert(valid_field_name("X-Sieve"));
  static_assert(!valid_field_name("Bad Name"));
  EXPECT_TRUE(FieldName::parse("X-Foo"));
  for (std::string_view bad : {"", "X Foo", "X:Foo", "X\r\nBcc", "X\xC3\xA9", "X\x7F"})
    EXPECT_FALSE(FieldName::parse(bad)) << bad;
  EXPECT_EQ(FieldName::parse("X-Foo")->str(), "X-Foo");
}

TEST(MessageBuilder, CrlfThroughout) {
  MessageBuilder b;
  b.text("Subject", "hello").field("To", "<a@example.org>").mime_version();
  const std::string m = b.with_text("one\ntwo\r\nthree\rfour");
  EXPECT_EQ(m,
            "Subject: hello\r\nTo: <a@example.org>\r\nMIME-Version: 1.0\r\n\r\n"
            "one\r\ntwo\r\nthree\r\nfour");
  EXPECT_TRUE(only_crlf_line_ends(m));
}

TEST(MessageBuilder, LineBreaksCannotInjectFields) {
  MessageBuilder b;
  b.text("Subject", "hi\r\nBcc: evil@example.org").field("X-Id", "a\nBcc: evil@example.org\r");
  const std::string m = b.with_text("body\n");
  EXPECT_TRUE(only_crlf_line_ends(m));
  const Message parsed{m};
  EXPECT_FALSE(parsed.has_header("bcc"));
  EXPECT_EQ(parsed.header_raw("subject").at(0), "hi Bcc: evil@example.org");
  EXPECT_EQ(parsed.header_raw("x-id").at(0), "a Bcc: evil@example.org");
  EXPECT_EQ(parsed.body(), "body\r\n");
}

TEST(MessageBuilder, FoldsLongLinesAtWhiteSpace) {
  std::string subject;
  for (int i = 0; i < 40; ++i) subject += "word" + std::to_string(i) + " ";
  subject.pop_back();
  MessageBuilder b;
  b.text("Subject", subject);
  const auto lines = lines_of(b.header());
  ASSERT_GT(lines.size(), 1u);
  for (std::string_view line : lines) EXPECT_LE(line.size(), 78u) << line;
  EXPECT_EQ(Message(b.with_text("")).header_raw("subject").at(0), subject);  // unfolds back
}

TEST(MessageBuilder, UnfoldableTextIsEncodedWithinTheHardLimit) {
  const std::string token(2000, 'x');
  MessageBuilder b;
  b.text("Subject", "a " + token);
  for (std::string_view line : lines_of(b.header())) EXPECT_LE(line.size(), 998u);
  EXPECT_EQ(Message(b.with_text("")).header_decoded("subject").at(0), "a " + token);
}

TEST(MessageBuilder, NonAsciiAndInvalidUtf8) {
  MessageBuilder b;
  b.text("Subject", "caf\xC3\xA9 \xFF ok");
  EXPECT_EQ(b.header(), "Subject: =?utf-8?B?Y2Fmw6kg77+9IG9r?=\r\n");
  EXPECT_EQ(Message(b.with_text("")).header_decoded("subject").at(0),
            "caf\xC3\xA9 \xEF\xBF\xBD ok");
}

TEST(MessageBuilder, MailboxEncodesTheDisplayNameOnly) {
  const std::vector<std::string> to = {"\"J\xC3\xA9r\xC3\xB4me\" <j@example.org>",
                                       "<k@example.org>"};
  MessageBuilder b;
  b.mailbox("From", "Ren\xC3\xA9 <r@example.org>").mailboxes("To", to);
  EXPECT_EQ(b.header(),
            "From: =?utf-8?B?UmVuw6k=?= <r@example.org>\r\n"
            "To: =?utf-8?B?SsOpcsO0bWU=?= <j@example.org>,\r\n <k@example.org>\r\n");
  const Message m{b.with_text("")};
  EXPECT_EQ(m.addresses(m.header_raw("to").at(0)).addresses.size(), 2u);
}

TEST(MessageBuilder, DateMessageIdMimeVersion) {
  MessageBuilder b;
  b.date(1764316800).message_id("example.net").mime_version().utf8_text_content();
  const Message m{b.with_text("x")};
  EXPECT_EQ(m.header_raw("date").at(0), "Fri, 28 Nov 2025 08:00:00 +0000");
  const std::string_view id = m.header_raw("message-id").at(0);
  EXPECT_TRUE(id.starts_with("<zest.") && id.ends_with("@example.net>")) << id;
  EXPECT_EQ(m.header_raw("mime-version").at(0), "1.0");
  EXPECT_EQ(m.header_raw("content-type").at(0), "text/plain; charset=utf-8");
  EXPECT_EQ(m.header_raw("content-transfer-encoding").at(0), "8bit");
}

TEST(MessageBuilder, BodyLinesBrokenAtTheHardLimit) {
  const std::string body = std::string(2000, 'a') + "\n" + std::string(998, 'b') + "\n";
  const std::string text = text_lines(body);  // lines_of views into it
  const auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].size(), 998u);
  EXPECT_EQ(lines[1].size(), 998u);
  EXPECT_EQ(lines[2].size(), 4u);
  EXPECT_EQ(lines[3], std::string(998, 'b'));
}

TEST(MessageBuilder, EntityContinuesTheHeader) {
  MessageBuilder b;
  b.mime_version();
  EXPECT_EQ(b.with_entity("Content-Type: text/html\n\n<p>hi</p>\n"),
            "MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n");
}

TEST(MessageBuilder, MultipartReport) {
  const std::string boundary = random_boundary("zest-test-");
  MessageBuilder text_part, report_part;
  text_part.utf8_text_content();
  report_part.field("Content-Type", "message/feedback-report");
  const std::vector<std::string> parts = {text_part.with_text("Spam.\r\n"),
                                          report_part.with_content("Version: 1\r\n")};
  MessageBuilder b;
  b.mime_version().field("Content-Type",
                         multipart_type("multipart/report; report-type=feedback-report", boundary));
  const std::string m = b.with_content(multipart_body(boundary, parts));
  EXPECT_TRUE(only_crlf_line_ends(m));
  EXPECT_NE(m.find("report-type=feedback-report;\r\n\tboundary=\"" + boundary + "\"\r\n"),
            std::string::npos);
  EXPECT_TRUE(m.ends_with("\r\n--" + boundary + "--\r\n"));
  const Message parsed{m};
  const MimePart& root = parsed.mime_root();
  EXPECT_EQ(root.content_type, "multipart/report");
  ASSERT_EQ(root.children.size(), 2u);
  EXPECT_EQ(parsed.part_content(parsed.mime_child(root, 0)), "Spam.\r\n");
  EXPECT_EQ(parsed.mime_child(root, 1).content_type, "message/feedback-report");
}

}  // namespace
}  // namespace zest::mail
