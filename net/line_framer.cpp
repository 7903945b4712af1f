#include "net/line_framer.hpp"

#include <algorithm>

namespace zest::net {

void LineFramer::feed(std::string_view bytes) {
  // Frames handed out so far are gone; drop their bytes before growing.
  if (start_ > 0) {
    buf_.erase(0, start_);
    scanned_ -= start_;
    start_ = 0;
  }
  buf_.append(bytes);
}

Frame LineFramer::next() {
  return literal_need_ > 0 ? literal_frame() : line_frame();
}

void LineFramer::expect_literal(std::uint64_t octets, bool discard) {
  if (octets == 0) return;
  literal_need_ = octets;
  literal_discard_ = discard;
  literal_.clear();
}

void LineFramer::drop_buffered() {
  buf_.clear();
  start_ = scanned_ = 0;
}

Frame LineFramer::literal_frame() {
  const auto n =
      static_cast<std::size_t>(std::min<std::uint64_t>(literal_need_, buf_.size() - start_));
  if (!literal_discard_) literal_.append(buf_, start_, n);
  start_ += n;
  scanned_ = start_;
  literal_need_ -= n;
  if (literal_need_ > 0) return {};
  return {Frame::Kind::Literal, literal_, false};
}

Frame LineFramer::line_frame() {
  for (;;) {
    const auto nl = buf_.find('\n', scanned_);
    if (nl == std::string::npos) {
      scanned_ = buf_.size();
      // A final CR may begin the line's CRLF: it does not count yet, so the
      // bound does not depend on where the reads happened to split.
      std::size_t partial = buf_.size() - start_;
      if (partial > 0 && buf_.back() == '\r') --partial;
      if (skipping_line_ || partial > max_line_) {
        // Drop it as it comes: an overlong line is never buffered whole.
        const bool first = !skipping_line_;
        skipping_line_ = true;
        drop_buffered();
        if (first) return {Frame::Kind::Overlong, {}, false};
      }
      return {};
    }
    const bool crlf = nl > start_ && buf_[nl - 1] == '\r';
    const std::string_view line(buf_.data() + start_, (crlf ? nl - 1 : nl) - start_);
    start_ = scanned_ = nl + 1;
    if (skipping_line_) {
      skipping_line_ = false;  // that was the tail of an overlong line
      continue;
    }
    // A whole overlong line can arrive in one read.
    if (line.size() > max_line_) return {Frame::Kind::Overlong, {}, false};
    return {Frame::Kind::Line, line, crlf};
  }
}

}  // namespace zest::net
