// libFuzzer target: net::LineFramer, the framer under every line protocol
// server (LMTP, ManageSieve). The first byte picks the line bound, the
// second the read size, the rest is the stream. Frames must not depend on
// where the reads split the stream (one read, byte by byte and fixed-size
// reads give the same frames); lines stay within the bound and contain no
// LF; a literal has the length asked for ("" when dropped).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "net/line_framer.hpp"

namespace {

using zest::net::Frame;
using zest::net::LineFramer;

struct Seen {
  Frame::Kind kind;
  std::string text;
  bool crlf;
  bool operator==(const Seen&) const = default;
};

void require(bool ok) {
  if (!ok) std::abort();
}

std::vector<Seen> frames(std::string_view stream, std::size_t max_line, std::size_t read_size) {
  LineFramer framer(max_line);
  std::vector<Seen> seen;
  std::uint64_t literal = 0;
  bool dropped = false;
  std::size_t pos = 0;
  do {
    const std::size_t n = std::min(read_size, stream.size() - pos);
    framer.feed(stream.substr(pos, n));
    pos += n;
    for (Frame f = framer.next(); f.kind != Frame::Kind::NeedMore; f = framer.next()) {
      if (f.kind == Frame::Kind::Line)
        require(f.text.size() <= max_line && f.text.find('\n') == std::string_view::npos);
      if (f.kind == Frame::Kind::Literal) require(f.text.size() == (dropped ? 0 : literal));
      seen.push_back({f.kind, std::string(f.text), f.crlf});
      // A line ending in a digit d asks for a literal of 3*d octets,
      // dropped unread when d is odd.
      if (f.kind == Frame::Kind::Line && !f.text.empty() && f.text.back() >= '0' &&
          f.text.back() <= '9') {
        const unsigned d = static_cast<unsigned>(f.text.back() - '0');
        literal = 3 * d;
        dropped = d % 2 == 1;
        framer.expect_literal(literal, dropped);
      }
    }
  } while (pos < stream.size());
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t max_line = 1 + data[0] % 64;
  const std::size_t read_size = 1 + data[1] % 32;
  const std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);
  const auto whole = frames(stream, max_line, stream.size() + 1);
  require(frames(stream, max_line, 1) == whole);
  require(frames(stream, max_line, read_size) == whole);
  return 0;
}
