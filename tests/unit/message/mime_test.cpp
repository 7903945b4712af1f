#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "mail/message.hpp"

namespace zest::mail {
namespace {

constexpr const char* kSample =
    "From: a@example.com\r\n"
    "To: b@example.com\r\n"
    "Subject: tree\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--outer\r\n"
    "Content-Type: text/plain; charset=ISO-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Caf=E9 au lait=\r\n"
    " soft\r\n"
    "--outer\r\n"
    "Content-Type: application/octet-stream; name*=UTF-8''r%C3%A9sum%C3%A9.bin\r\n"
    "Content-Disposition: ATTACHMENT; filename=\"data.bin\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "AAECAw==\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "From: inner@example.com\r\n"
    "Subject: inner\r\n"
    "Content-Type: multipart/alternative; boundary=inner\r\n"
    "\r\n"
    "--inner\r\n"
    "\r\n"
    "default typed\r\n"
    "--inner\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "PHA+w6k8L3A+\r\n"
    "--inner--\r\n"
    "--outer--\r\n";

TEST(Mime, MultipartTree) {
  const Message m(kSample);
  const MimePart& root = m.mime_root();
  EXPECT_EQ(&root, &m.mime_root());  // built once
  EXPECT_TRUE(root.is_multipart);
  EXPECT_EQ(root.content_type, "multipart/mixed");
  EXPECT_EQ(root.content_type_params.at("boundary"), "outer");
  ASSERT_EQ(root.headers.size(), 5u);
  EXPECT_EQ(root.headers[2].value, "tree");
  ASSERT_EQ(root.children.size(), 3u);

  const MimePart& text = m.mime_child(root, 0);
  EXPECT_EQ(text.content_type, "text/plain");
  EXPECT_EQ(text.content_type_params.at("charset"), "ISO-8859-1");
  EXPECT_NE(m.part_body(text).find("Caf=E9"), std::string::npos);
  EXPECT_EQ(m.part_content(text).substr(0, 19), "Caf\xC3\xA9 au lait soft");
  EXPECT_FALSE(text.is_multipart);

  const MimePart& bin = m.mime_child(root, 1);
  EXPECT_EQ(bin.content_type, "application/octet-stream");
  EXPECT_EQ(bin.content_type_params.at("name"), "r\xC3\xA9sum\xC3\xA9.bin");  // RFC 2231
  EXPECT_EQ(bin.content_disposition, "attachment");
  EXPECT_EQ(bin.disposition_params.at("filename"), "data.bin");
  EXPECT_EQ(m.part_content(bin), std::string("\x00\x01\x02\x03", 4));
  EXPECT_NE(m.part_body(bin).find("AAECAw=="), std::string::npos);

  const MimePart& rfc822 = m.mime_child(root, 2);
  EXPECT_EQ(rfc822.content_type, "message/rfc822");
  ASSERT_EQ(rfc822.children.size(), 1u);
  const MimePart& inner = m.mime_child(rfc822, 0);
  EXPECT_EQ(inner.content_type, "multipart/alternative");
  EXPECT_TRUE(inner.is_multipart);
  bool found_subject = false;
  for (const HeaderField& f : inner.headers)
    found_subject |= (f.name == "Subject" && f.value == "inner");
  EXPECT_TRUE(found_subject);
  ASSERT_EQ(inner.children.size(), 2u);
  EXPECT_EQ(m.mime_child(inner, 0).content_type, "text/plain");  // RFC 2045 default
  EXPECT_EQ(m.part_content(m.mime_child(inner, 0)).substr(0, 13), "default typed");
  EXPECT_EQ(m.mime_child(inner, 1).content_type, "text/html");
  EXPECT_EQ(m.part_content(m.mime_child(inner, 1)), "<p>\xC3\xA9</p>");
}

TEST(Mime, DigestDefaultsToMessage) {
  const Message m(
      "Content-Type: multipart/digest; boundary=d\n\n"
      "--d\n\nSubject: in digest\n\nhello\n--d--\n");
  const MimePart& root = m.mime_root();
  ASSERT_EQ(root.children.size(), 1u);
  EXPECT_EQ(m.mime_child(root, 0).content_type, "message/rfc822");  // RFC 2046 5.1.5
}

TEST(Mime, PlainMessage) {
  const Message m("Subject: x\n\nhello\n");
  const MimePart& root = m.mime_root();
  EXPECT_EQ(root.content_type, "text/plain");
  EXPECT_FALSE(root.is_multipart);
  EXPECT_EQ(m.part_content(root), "hello\n");
  ASSERT_EQ(root.headers.size(), 1u);
}

// The content scan jumps from one line starting with "-" to the next:
// dashes inside lines, lines of one "-", "--" that is not a boundary and a
// boundary right after them must all come out as a line-by-line scan would.
TEST(Mime, BoundaryAfterDashLines) {
  const Message m(
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "-\r\n--b\r\n\r\n"
      "a-b -- c\r\n-\r\n--\r\n--bx\r\n---b\r\n- -b\r\n"
      "--b \t\r\n\r\nsecond--b\n"
      "--b--");
  const MimePart& root = m.mime_root();
  ASSERT_EQ(root.children.size(), 2u);
  EXPECT_EQ(m.part_content(m.mime_child(root, 0)), "a-b -- c\r\n-\r\n--\r\n--bx\r\n---b\r\n- -b");
  EXPECT_EQ(m.part_content(m.mime_child(root, 1)), "second--b");
}

// Whether `part` lies inside `whole` (the same bytes, not a copy of them).
bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// A text body that decoding would not change is the message's own bytes:
// a copy per evaluation of a 4 MiB body (and the heap growing and shrinking
// by it each time) made the typical script 15x slower per KiB than at 1 MiB
// (bench/results/NOTES.md, "Text-body evaluation, 2026-12-07").
TEST(Mime, UnchangedContentIsNotCopied) {
  std::string body;
  for (int i = 0; i < 1 << 14; ++i)
    body += "caf\xC3\xA9 au lait \xF0\x9F\x98\x80 line " + std::to_string(i) + "\r\n";
  for (std::string_view charset : {"utf-8", "UTF8", ""}) {
    const Message m("Subject: long\r\nContent-Type: text/plain" +
                    (charset.empty() ? std::string() : "; charset=" + std::string(charset)) +
                    "\r\n\r\n" + body);
    const std::string_view content = m.part_content(m.mime_root());
    EXPECT_EQ(content, body);
    EXPECT_TRUE(inside(content, m.raw())) << charset;
  }
  const Message ascii("Content-Type: text/plain; charset=us-ascii\n\nplain ASCII\n");
  EXPECT_TRUE(inside(ascii.part_content(ascii.mime_root()), ascii.raw()));
  const Message bin(std::string("Content-Type: application/octet-stream\n\n\xFF\x00\x01\n", 44));
  EXPECT_EQ(bin.part_content(bin.mime_root()), std::string_view("\xFF\x00\x01\n", 4));
  EXPECT_TRUE(inside(bin.part_content(bin.mime_root()), bin.raw()));

  // What decoding changes is decoded, once: an invalid octet at the very
  // end of the long body, non-ASCII labelled ASCII, Latin-1, base64.
  const Message bad("Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\xFF");
  const std::string_view repaired = bad.part_content(bad.mime_root());
  EXPECT_EQ(repaired, body + "\xEF\xBF\xBD");
  EXPECT_FALSE(inside(repaired, bad.raw()));
  EXPECT_EQ(repaired.data(), bad.part_content(bad.mime_root()).data());  // kept
  const Message high("Content-Type: text/plain; charset=us-ascii\n\nna\xEFve\n");
  EXPECT_EQ(high.part_content(high.mime_root()), "na\xEF\xBF\xBDve\n");
  const Message latin("Content-Type: text/plain; charset=iso-8859-1\n\ncaf\xE9\n");
  EXPECT_EQ(latin.part_content(latin.mime_root()), "caf\xC3\xA9\n");
  const Message b64(
      "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
      "Y2Fmw6kK\n");
  EXPECT_EQ(b64.part_content(b64.mime_root()), "caf\xC3\xA9\n");
}

TEST(Mime, HeadersOnlyAndEmpty) {
  const Message headers_only("Subject: x\n");
  EXPECT_EQ(headers_only.mime_root().content_type, "text/plain");
  const Message empty("");
  EXPECT_EQ(empty.mime_root().content_type, "text/plain");
  EXPECT_TRUE(empty.mime_root().children.empty());
}

}  // namespace
}  // namespace zest::mail
