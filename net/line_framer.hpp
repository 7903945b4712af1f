// Splits a byte stream into protocol lines and counted literals, with a hard
// bound on line length. No I/O: the server loop, the transcript tests and
// the fuzz targets all feed it the bytes they have and act on its frames,
// so each of them exercises this one framer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace zest::net {

struct Frame {
  enum class Kind {
    NeedMore,  // no complete frame in the input yet: feed more bytes
    Line,      // `text` is the line without its line end
    Literal,   // `text` is the literal's octets ("" when it was discarded)
    Overlong,  // a line longer than the bound: dropped up to and including its LF
  };
  Kind kind = Kind::NeedMore;
  std::string_view text;  // valid until the framer is called again
  bool crlf = false;      // Line: ended in CRLF (false: a bare LF)
};

class LineFramer {
 public:
  // Lines longer than `max_line` octets (without the line end) are Overlong.
  explicit LineFramer(std::size_t max_line) : max_line_(max_line) {}

  void feed(std::string_view bytes);
  // The next frame of the input fed so far.
  Frame next();
  // The next `octets` of input are a literal, not lines; `discard` drops
  // them unbuffered. 0 asks for nothing (an empty literal has no octets).
  void expect_literal(std::uint64_t octets, bool discard);
  // Forgets the input not yet framed (after STARTTLS: plaintext pipelined
  // behind the command must not reach the TLS session).
  void drop_buffered();

 private:
  Frame literal_frame();
  Frame line_frame();

  std::size_t max_line_;
  std::string buf_;
  std::size_t start_ = 0;       // buf_ before this is framed already
  std::size_t scanned_ = 0;     // no LF in buf_[start_, scanned_)
  bool skipping_line_ = false;  // the rest of an overlong line is dropped
  std::uint64_t literal_need_ = 0;
  bool literal_discard_ = false;
  std::string literal_;
};

}  // namespace zest::net
