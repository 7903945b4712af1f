// The line/literal framer the servers, the transcript tests and the fuzz
// targets share: bytes in, frames out, whatever the read boundaries.
#include "net/line_framer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using zest::net::Frame;
using zest::net::LineFramer;

// A frame as text: "CRLF:line", "LF:line", "LIT:octets", "OVERLONG".
std::string show(const Frame& f) {
  switch (f.kind) {
    case Frame::Kind::Line:
      return (f.crlf ? "CRLF:" : "LF:") + std::string(f.text);
    case Frame::Kind::Literal:
      return "LIT:" + std::string(f.text);
    case Frame::Kind::Overlong:
      return "OVERLONG";
    case Frame::Kind::NeedMore:
      break;
  }
  return "NEED-MORE";
}

// Every frame up to the next NeedMore.
std::vector<std::string> drain(LineFramer& framer) {
  std::vector<std::string> out;
  for (Frame f = framer.next(); f.kind != Frame::Kind::NeedMore; f = framer.next())
    out.push_back(show(f));
  return out;
}

std::vector<std::string> feed(LineFramer& framer, std::string_view bytes) {
  framer.feed(bytes);
  return drain(framer);
}

using Frames = std::vector<std::string>;

// Like a ManageSieve server: a line ending in "{N}" announces a literal of
// N octets, which is dropped unread when N is odd. The input arrives in
// reads of `chunk` octets (0: all at once).
Frames transcript(std::string_view input, std::size_t max_line, std::size_t chunk) {
  LineFramer framer(max_line);
  Frames out;
  std::size_t pos = 0;
  do {
    const std::size_t n = chunk == 0 ? input.size() : std::min(chunk, input.size() - pos);
    framer.feed(input.substr(pos, n));
    pos += n;
    for (Frame f = framer.next(); f.kind != Frame::Kind::NeedMore; f = framer.next()) {
      out.push_back(show(f));
      if (f.kind != Frame::Kind::Line || !f.text.ends_with('}')) continue;
      const auto open = f.text.rfind('{');
      if (open == std::string_view::npos) continue;
      const std::string digits(f.text.substr(open + 1, f.text.size() - open - 2));
      if (digits.empty() || digits.size() > 4 ||
          digits.find_first_not_of("0123456789") != std::string::npos)
        continue;
      const auto octets = std::stoul(digits);
      framer.expect_literal(octets, octets % 2 == 1);
    }
  } while (pos < input.size());
  return out;
}

TEST(LineFramer, LinesSplitAcrossReads) {
  LineFramer framer(100);
  EXPECT_EQ(feed(framer, "NO"), Frames{});
  EXPECT_EQ(feed(framer, "OP\r"), Frames{});
  EXPECT_EQ(feed(framer, "\nLOGOUT"), Frames{"CRLF:NOOP"});
  EXPECT_EQ(feed(framer, "\r\nA\r\nB\r\n"), (Frames{"CRLF:LOGOUT", "CRLF:A", "CRLF:B"}));
}

TEST(LineFramer, CrlfAndBareLf) {
  LineFramer framer(100);
  EXPECT_EQ(feed(framer, "a\r\nb\n\r\n\nc\r\r\nd\re\n"),
            (Frames{"CRLF:a", "LF:b", "CRLF:", "LF:", "CRLF:c\r", "LF:d\re"}));
}

TEST(LineFramer, OverlongLineIsReportedOnceAndDroppedToItsEnd) {
  LineFramer framer(8);
  // Reported as soon as the buffered part passes the bound; the rest of the
  // line is dropped as it arrives, never buffered.
  EXPECT_EQ(feed(framer, "0123456789"), Frames{"OVERLONG"});
  EXPECT_EQ(feed(framer, "abcdefghijklmnop"), Frames{});
  EXPECT_EQ(feed(framer, "qrs\r\nNEXT\r\n"), Frames{"CRLF:NEXT"});
  // A whole overlong line in one read.
  EXPECT_EQ(feed(framer, "0123456789\r\nok\nabc"), (Frames{"OVERLONG", "LF:ok"}));
  EXPECT_EQ(feed(framer, "\n"), Frames{"LF:abc"});
}

TEST(LineFramer, TheBoundIsOnTheLineWithoutItsEnd) {
  LineFramer framer(4);
  EXPECT_EQ(feed(framer, "abcd\r\nabcd\nabcde\r\n"), (Frames{"CRLF:abcd", "LF:abcd", "OVERLONG"}));
  // A CR at the end of a read may start the CRLF: it does not count yet.
  EXPECT_EQ(feed(framer, "wxyz\r"), Frames{});
  EXPECT_EQ(feed(framer, "\n"), Frames{"CRLF:wxyz"});
  EXPECT_EQ(feed(framer, "wxyz\r"), Frames{});
  EXPECT_EQ(feed(framer, "!"), Frames{"OVERLONG"});
  EXPECT_EQ(feed(framer, "\r\nok\r\n"), Frames{"CRLF:ok"});
}

TEST(LineFramer, LiteralSpanningReads) {
  LineFramer framer(8);
  EXPECT_EQ(feed(framer, "PUT {12}\r\n"), Frames{"CRLF:PUT {12}"});
  framer.expect_literal(12, false);
  EXPECT_EQ(feed(framer, "0123\n"), Frames{});
  // Literal octets are not lines: no bound, line ends are content.
  EXPECT_EQ(feed(framer, "5\r\n89ab\r\nNEXT\r\n"),
            (Frames{"LIT:0123\n5\r\n89ab", "CRLF:", "CRLF:NEXT"}));
}

TEST(LineFramer, DiscardedLiteral) {
  LineFramer framer(100);
  framer.expect_literal(6, true);
  EXPECT_EQ(feed(framer, "abc"), Frames{});
  EXPECT_EQ(feed(framer, "def\r\nX\r\n"), (Frames{"LIT:", "CRLF:", "CRLF:X"}));
}

TEST(LineFramer, ZeroLengthLiteralAsksForNothing) {
  LineFramer framer(100);
  framer.expect_literal(0, false);
  EXPECT_EQ(feed(framer, "A\r\n"), Frames{"CRLF:A"});
  framer.expect_literal(0, true);
  EXPECT_EQ(feed(framer, "B\r\n"), Frames{"CRLF:B"});
}

TEST(LineFramer, DropBufferedForgetsPipelinedInput) {
  LineFramer framer(100);
  framer.feed("STARTTLS\r\nNOOP\r\npartial");
  EXPECT_EQ(show(framer.next()), "CRLF:STARTTLS");
  framer.drop_buffered();
  EXPECT_EQ(drain(framer), Frames{});
  EXPECT_EQ(feed(framer, "CAPABILITY\r\n"), Frames{"CRLF:CAPABILITY"});
}

TEST(LineFramer, ByteAtATimeEqualsWholeFeeding) {
  const std::string at_bound(24, 'b'), over(25, 'o');
  const std::string input =
      "AUTHENTICATE \"PLAIN\" {4}\r\nabcd\r\n"   // 24 octets, a literal
      "PUTSCRIPT \"x\" {11}\r\nkeep; stop;\r\n"  // a dropped literal
      "bare\nmixed\r\r\n" +
      at_bound + "\r\n" + at_bound + "\n" + at_bound + "\r\r\n" + over + "\n" + over + over +
      "\r\n" +
      "PUTSCRIPT {0}\r\n\r\n"
      "{5}\r\n12345\r\n"
      "{6}\r\n\r\n\r\n\r\nX\r\n" +
      over + "...and never ended";
  const Frames whole = transcript(input, 24, 0);
  EXPECT_EQ(whole, (Frames{"CRLF:AUTHENTICATE \"PLAIN\" {4}",
                           "LIT:abcd",
                           "CRLF:",
                           "CRLF:PUTSCRIPT \"x\" {11}",
                           "LIT:",
                           "CRLF:",
                           "LF:bare",
                           "CRLF:mixed\r",
                           "CRLF:" + at_bound,
                           "LF:" + at_bound,
                           "OVERLONG",
                           "OVERLONG",
                           "OVERLONG",
                           "CRLF:PUTSCRIPT {0}",
                           "CRLF:",
                           "CRLF:{5}",
                           "LIT:",
                           "CRLF:",
                           "CRLF:{6}",
                           "LIT:\r\n\r\n\r\n",
                           "CRLF:X",
                           "OVERLONG"}));
  for (std::size_t chunk = 1; chunk <= input.size(); ++chunk)
    EXPECT_EQ(transcript(input, 24, chunk), whole) << "reads of " << chunk << " octets";
}

}  // namespace
