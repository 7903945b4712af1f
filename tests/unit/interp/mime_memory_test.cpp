// Issue 15.1: the MIME view holds memory proportional to the message, not
// to its shape. A message nested 64 deep (multipart inside message/rfc822
// inside multipart ...) of a few MB is run through every test that walks
// the MIME structure; the peak of the bytes held through operator new
// (alloc_counter.hpp) must stay under k x message size + a constant.
#include <gtest/gtest.h>

#include <string>

#include "alloc_counter.hpp"
#include "test_util.hpp"

namespace zest::interp {
namespace {

using testing::compile_ok;
using testing::default_envelope;
using testing::registry;

// A text of `n` bytes in lines of 64.
std::string filler(std::size_t n, char c) {
  std::string out;
  while (out.size() + 65 <= n) out += std::string(64, c) + "\r\n";
  return out;
}

// `levels` multiparts, each holding a text part of `text_size` bytes and a
// message/rfc822 part that holds the next level. The innermost text says
// "needle".
std::string nested_message(int levels, std::size_t text_size) {
  std::string head = "From: a@example.com\r\nSubject: nest\r\nMIME-Version: 1.0\r\n";
  std::string tail;
  std::string out;
  for (int i = 0; i < levels; ++i) {
    const std::string b = "b" + std::to_string(i);
    out += head + "Content-Type: multipart/mixed; boundary=\"" + b + "\"\r\n\r\n";
    out += "--" + b + "\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
    out += filler(text_size, static_cast<char>('a' + i % 26));
    out += "\r\n--" + b + "\r\nContent-Type: message/rfc822\r\n\r\n";
    tail = "\r\n--" + b + "--\r\n" + tail;
    head = "From: level" + std::to_string(i + 1) + "@example.com\r\n";
  }
  out += head + "Content-Type: text/plain\r\n\r\nneedle\r\n";
  return out + tail;
}

// Runs `script` on `raw` and returns the peak growth of held bytes during
// the run (the message itself is built before measuring).
struct Measured {
  RunOutput out;
  std::size_t growth = 0;
};
Measured measure(const std::string& script, const std::string& raw,
                 const EngineSettings& settings = {}) {
  const Program program = compile_ok(script, settings);
  const mail::Message message{std::string(raw)};
  Host host;
  const std::size_t before = zest::testing::live_bytes();
  zest::testing::reset_peak();
  Measured m;
  m.out = run_program(program, message, default_envelope(), host, settings, registry());
  m.growth = zest::testing::peak_bytes() - before;
  return m;
}

constexpr std::string_view kWalkEverything =
    "require [\"body\", \"foreverypart\", \"mime\", \"extracttext\", \"variables\"];\n"
    "if body :text :contains \"no such text\" { discard; }\n"
    "if body :content \"text\" :contains \"no such text\" { discard; }\n"
    "if body :content \"message/rfc822\" :contains \"no such text\" { discard; }\n"
    "if body :raw :contains \"no such text\" { discard; }\n"
    "if header :mime :anychild :contenttype \"content-type\" \"text/html\" { discard; }\n"
    "foreverypart {\n"
    "  if header :mime :type \"content-type\" \"text\" { extracttext \"t\"; }\n"
    "  if exists :mime :anychild \"x-none\" { discard; }\n"
    "}\n";

TEST(MimeMemory, DeeplyNestedMessageStaysProportional) {
  const std::string raw = nested_message(64, 48 * 1024);  // about 3 MB
  ASSERT_GT(raw.size(), 3'000'000u);
  const Measured m = measure(std::string(kWalkEverything), raw);
  EXPECT_EQ(m.out.status, RunOutput::Status::Ok);
  EXPECT_TRUE(m.out.implicit_keep);
  // Decoded texts (cached once), one copy of them as match values and the
  // body :raw copy: a few times the message, never depth x size.
  const std::size_t bound = 6 * raw.size() + (4u << 20);
  EXPECT_LE(m.growth, bound) << "message " << raw.size() << " bytes, peak growth " << m.growth;
}

TEST(MimeMemory, RepeatedTestsDecodeOnce) {
  // The same body test twenty times holds no more than once.
  const std::string raw = nested_message(16, 128 * 1024);
  std::string script = "require \"body\";\n";
  for (int i = 0; i < 20; ++i) script += "if body :text :contains \"no such text\" { discard; }\n";
  const Measured m = measure(script, raw);
  EXPECT_EQ(m.out.status, RunOutput::Status::Ok);
  EXPECT_LE(m.growth, 3 * raw.size() + (1u << 20)) << "peak growth " << m.growth;
}

TEST(MimeMemory, NestingBeyondTheLimitIsOpaqueText) {
  // 100 levels: a part at depth 64 is not split (level 32's multipart: each
  // level is a multipart and a message/rfc822 part), but its text is still
  // seen by body :text (content cannot hide below the limit). 32 levels of
  // 3 parts and the opaque one: 97.
  const std::string raw = nested_message(100, 256);
  const Measured m = measure(
      "require [\"body\", \"foreverypart\", \"variables\", \"imap4flags\"];\n"
      "set \"n\" \"\";\n"
      "foreverypart { set \"n\" \"${n}x\"; }\n"
      "set :length \"len\" \"${n}\";\n"
      "if string \"${len}\" \"97\" { addflag \"parts97\"; }\n"
      "if body :text :contains \"needle\" { addflag \"found\"; }\n"
      "keep;\n",
      raw);
  ASSERT_EQ(m.out.status, RunOutput::Status::Ok);
  ASSERT_FALSE(m.out.actions.empty());
  const auto desc = testing::describe(m.out);
  EXPECT_NE(desc.back().find("+found"), std::string::npos) << desc.back();
  EXPECT_NE(desc.back().find("+parts97"), std::string::npos) << desc.back();
}

TEST(MimeMemory, PartCountBeyondTheLimitIsOpaqueText) {
  // 12 000 parts: the root and the first 9 998 are split, the rest is one
  // text part (10 000 in all) that body :text still searches.
  std::string raw = "Content-Type: multipart/mixed; boundary=x\r\n\r\n";
  for (int i = 0; i < 12'000; ++i) raw += "--x\r\n\r\npart " + std::to_string(i) + "\r\n";
  raw += "--x\r\n\r\nneedle\r\n--x--\r\n";
  const Measured m = measure(
      "require [\"body\", \"foreverypart\", \"variables\", \"imap4flags\"];\n"
      "set \"n\" \"\";\n"
      "foreverypart { set \"n\" \"${n}x\"; }\n"
      "set :length \"len\" \"${n}\";\n"
      "if string \"${len}\" \"10000\" { addflag \"limited\"; }\n"
      "if body :text :contains \"needle\" { addflag \"found\"; }\n"
      "keep;\n",
      raw, [] {
        EngineSettings s;
        s.values["variables_max_variable_size"] = "20000";
        return s;
      }());
  ASSERT_EQ(m.out.status, RunOutput::Status::Ok);
  const auto desc = testing::describe(m.out);
  ASSERT_FALSE(desc.empty());
  EXPECT_NE(desc.back().find("+found"), std::string::npos) << desc.back();
  EXPECT_NE(desc.back().find("+limited"), std::string::npos) << desc.back();
}

}  // namespace
}  // namespace zest::interp
