#include <gtest/gtest.h>

#include <random>
#include <string>

#include "mail/address.hpp"
#include "mail/message.hpp"
#include "mail/rfc2047.hpp"

namespace zest::mail {
namespace {

std::size_t walk(const Message& m) {
  std::size_t n = 0;
  for (const MimePart& p : m.mime_parts()) {
    (void)m.part_content(p);
    (void)m.part_body(p);
    EXPECT_LE(p.depth, kMaxMimeDepth);
    ++n;
  }
  EXPECT_LE(n, kMaxMimeParts);
  return n;
}

void exercise(const std::string& raw) {
  const Message m(raw);
  for (const HeaderField& f : m.headers()) {
    (void)m.header_raw(f.name);
    (void)m.header_decoded(f.name);
    (void)parse_address_list(f.value);
    (void)parse_envelope_path(f.value);
  }
  (void)m.body();
  EXPECT_GE(walk(m), 1u);
}

TEST(Robustness, RandomBytes) {
  std::mt19937 rng(12345);
  for (int i = 0; i < 300; ++i) {
    std::string s(rng() % 600, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    exercise(s);
    exercise("Content-Type: multipart/mixed; boundary=b\n\n--b\n" + s + "\n--b--\n");
    (void)decode_rfc2047(s);
    (void)parse_address_list(s);
  }
}

TEST(Robustness, NulBytes) {
  const std::string raw("Sub\0ject: a\0b\nTo: x\0@y\n\nbo\0dy", 30);
  const Message m(raw);
  EXPECT_EQ(m.size(), 30u);
  exercise(raw);
  const Message ok(std::string("X: a\0b\n\n", 8));
  ASSERT_EQ(ok.header_raw("x").size(), 1u);
  EXPECT_EQ(ok.header_raw("x")[0], std::string_view("a\0b", 3));
  EXPECT_EQ(ok.header_decoded("x")[0], std::string_view("a\0b", 3));
}

TEST(Robustness, EightBitAndInvalidUtf8Headers) {
  const Message m("Subject: caf\xE9 \xFF\xFE\nFrom: J\xC3\xBCrgen <j@x>\n\n");
  EXPECT_EQ(m.header_raw("subject")[0], "caf\xE9 \xFF\xFE");
  EXPECT_EQ(m.header_decoded("subject")[0], "caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(parse_address_list(m.header_raw("from")[0]).addresses.size(), 1u);
}

TEST(Robustness, MegabyteHeaderLine) {
  std::string raw = "X-Long: " + std::string(1 << 20, 'a') + "\nTo: a@b\n\nbody";
  const Message m(raw);
  ASSERT_EQ(m.header_raw("x-long").size(), 1u);
  EXPECT_EQ(m.header_raw("x-long")[0].size(), 1u << 20);
  EXPECT_EQ(m.body(), "body");
  exercise(raw);
  std::string words;
  for (int i = 0; i < 50000; ++i) words += "=?UTF-8?Q?a?= ";
  EXPECT_TRUE(decode_rfc2047(words) == std::string(50000, 'a') + " ");  // no giant diff on failure
}

TEST(Robustness, NoBlankLineAndNoColon) {
  exercise("just some text without headers");
  exercise("A: b");
  exercise(":\n:\n");
  exercise("\r\r\r\n\n");
  const Message m(":empty name\n\n");
  EXPECT_TRUE(m.headers().empty());
}

TEST(Robustness, DeepMultipartNesting) {
  std::string raw;
  for (int i = 0; i < 200; ++i) {
    raw += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\n\n--b" +
           std::to_string(i) + "\n";
  }
  raw += "\nleaf\n";
  exercise(raw);
}

// Found by the fuzzing campaign: a comment that ends in a backslash used to
// move the CFWS scanner one past the end of the field (std::out_of_range).
TEST(Robustness, CommentEndingInBackslash) {
  exercise("Content-Type: multipr/(((((\\\\\\\r\n\r\nbody\r\n");
  exercise("Content-Type: multipart/mixed; (\\\r\n\r\nbody\r\n");
  exercise("Content-Type: text/plain; a=(\\\r\n\r\nbody\r\n");
  exercise("Content-Type: (\\\r\n\r\nbody\r\n");
  const Message m("Content-Type: text/(x\\\r\n\r\nbody\r\n");
  EXPECT_EQ(walk(m), 1u);
}

}  // namespace
}  // namespace zest::mail
