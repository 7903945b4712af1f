#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mail/message.hpp"

namespace zest::mail {
namespace {

using Views = std::vector<std::string_view>;

TEST(MessageHeaders, UnfoldsAndTrims) {
  const Message m(
      "Subject:   Hello\r\n world\r\n\tagain  \r\n"
      "X-Empty:\r\n"
      "\r\n"
      "Body\r\n");
  ASSERT_EQ(m.headers().size(), 2u);
  EXPECT_EQ(m.headers()[0].name, "Subject");
  EXPECT_EQ(m.headers()[0].value, "Hello world\tagain");
  EXPECT_EQ(m.header_raw("subject"), (Views{"Hello world\tagain"}));
  EXPECT_EQ(m.header_raw("X-EMPTY"), (Views{""}));
  EXPECT_TRUE(m.has_header("x-empty"));
  EXPECT_EQ(m.body(), "Body\r\n");
}

// Values are trimmed in place: only white space, white space around a
// vertical tab (which is content), more than 32 fields.
TEST(MessageHeaders, TrimsInPlace) {
  std::string raw = "A: \t \r\nB:\v\r\nC:  x \r\n \t\r\n";
  for (int i = 0; i < 40; ++i)
    raw += "F" + std::to_string(i) + ":  v" + std::to_string(i) + " \r\n";
  const Message m(raw + "\r\nbody");
  ASSERT_EQ(m.headers().size(), 43u);
  EXPECT_EQ(m.headers()[0].value, "");
  EXPECT_EQ(m.headers()[1].value, "\v");
  EXPECT_EQ(m.headers()[2].value, "x");
  EXPECT_EQ(m.headers()[42].value, "v39");
  EXPECT_EQ(m.body(), "body");
  // The MIME view's own header blocks are trimmed the same way.
  const Message mime(
      "Content-Type: multipart/mixed; boundary=b\n\n--b\nX-P:  \t\nX-Q:   q  \n\nt\n--b--\n");
  const MimePart& part = mime.mime_child(mime.mime_root(), 0);
  ASSERT_EQ(part.headers.size(), 2u);
  EXPECT_EQ(part.headers[0].value, "");
  EXPECT_EQ(part.headers[1].value, "q");
}

TEST(MessageHeaders, RepeatedFieldsInOrder) {
  const Message m("Received: a\nTo: x@y\nreceived: b\nRECEIVED: c\n\nbody");
  EXPECT_EQ(m.header_raw("Received"), (Views{"a", "b", "c"}));
  EXPECT_EQ(m.header_raw("to"), (Views{"x@y"}));
  EXPECT_TRUE(m.header_raw("cc").empty());
  EXPECT_FALSE(m.has_header("cc"));
  EXPECT_FALSE(m.has_header("Receive"));
}

TEST(MessageHeaders, BareLfAndCrlfAgree) {
  const Message lf("A: 1\nB: 2\n 3\n\nbody\n");
  const Message crlf("A: 1\r\nB: 2\r\n 3\r\n\r\nbody\n");
  EXPECT_EQ(lf.header_raw("b"), (Views{"2 3"}));
  EXPECT_EQ(crlf.header_raw("b"), (Views{"2 3"}));
  EXPECT_EQ(lf.body(), "body\n");
  EXPECT_EQ(crlf.body(), "body\n");
  EXPECT_EQ(crlf.size(), crlf.raw().size());
}

TEST(MessageHeaders, MissingBody) {
  const Message m("Subject: no body\r\nFrom: a@b");
  EXPECT_EQ(m.headers().size(), 2u);
  EXPECT_EQ(m.header_raw("from"), (Views{"a@b"}));
  EXPECT_EQ(m.body(), "");
  const Message empty("");
  EXPECT_TRUE(empty.headers().empty());
  EXPECT_EQ(empty.body(), "");
  const Message only_blank("\n");
  EXPECT_TRUE(only_blank.headers().empty());
  EXPECT_EQ(only_blank.body(), "");
}

TEST(MessageHeaders, NonHeaderLineStartsBody) {
  const Message m("Subject: x\nthis is not a header\nTo: y@z\n");
  ASSERT_EQ(m.headers().size(), 1u);
  EXPECT_EQ(m.body(), "this is not a header\nTo: y@z\n");
  const Message leading_space(" folded\nSubject: x\n\nb");
  EXPECT_TRUE(leading_space.headers().empty());
  EXPECT_EQ(leading_space.body(), " folded\nSubject: x\n\nb");
  const Message spaced_name("Bad Name: x\n\nb");
  EXPECT_TRUE(spaced_name.headers().empty());
}

TEST(MessageHeaders, ObsoleteSpaceBeforeColon) {
  const Message m("Subject : spaced\n\n");
  EXPECT_EQ(m.header_raw("subject"), (Views{"spaced"}));
}

TEST(MessageHeaders, DecodedValuesAreCached) {
  const Message m("Subject: =?UTF-8?B?SGVsbG8=?= world\nSubject: plain\n\n");
  const auto first = m.header_decoded("subject");
  EXPECT_EQ(first, (Views{"Hello world", "plain"}));
  const auto second = m.header_decoded("SUBJECT");
  EXPECT_EQ(first[0].data(), second[0].data());  // same cached storage
  EXPECT_EQ(m.header_raw("subject")[0], "=?UTF-8?B?SGVsbG8=?= world");
}

TEST(MessageHeaders, MoveKeepsViewsUsable) {
  Message a("X: 1\n\nbody");
  Message b(std::move(a));
  EXPECT_EQ(b.header_decoded("x"), (Views{"1"}));
  EXPECT_EQ(b.body(), "body");
}

}  // namespace
}  // namespace zest::mail

namespace zest::mail {
namespace {

TEST(MessageAddresses, ParsedOncePerValue) {
  const Message m(
      "From: Alice <alice@example.org>, bob@example.net\r\n"
      "To: undisclosed-recipients:;\r\n"
      "\r\n");
  const auto from = m.header_raw("from");
  ASSERT_EQ(from.size(), 1u);
  const AddressList& a = m.addresses(from[0]);
  ASSERT_EQ(a.addresses.size(), 2u);
  EXPECT_EQ(to_string(a.addresses[0]), "alice@example.org");
  EXPECT_EQ(to_string(a.addresses[1]), "bob@example.net");
  // The same value is the same cached list.
  EXPECT_EQ(&m.addresses(from[0]), &a);
  EXPECT_EQ(&m.addresses(std::string(from[0])), &a);
  // Any value works, also one that is not a field of this message.
  EXPECT_EQ(m.addresses("carol@example.com").addresses.size(), 1u);
  EXPECT_TRUE(m.addresses(m.header_raw("to")[0]).addresses.empty());
}

}  // namespace
}  // namespace zest::mail
