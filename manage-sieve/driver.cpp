#include "manage-sieve/driver.hpp"

namespace zest::managesieve {

std::string ByteDriver::take(Session::Output o) {
  std::string out;
  delay_ += o.delay;
  while (true) {
    out += o.bytes;
    if (o.close) closed_ = true;
    if (o.start_tls) tls_ = true;
    if (o.read_literal) {
      literal_need_ = o.read_literal;
      discard_ = o.discard_literal;
      literal_.clear();
    }
    if (!o.work) break;
    o = session_.work();
    delay_ += o.delay;
  }
  return out;
}

std::string ByteDriver::feed(std::string_view bytes) {
  std::string out;
  if (closed_) return out;
  buf_.append(bytes);
  while (!closed_ && !tls_) {
    if (literal_need_ > 0) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(literal_need_, buf_.size()));
      if (!discard_) literal_.append(buf_, 0, n);
      buf_.erase(0, n);
      literal_need_ -= n;
      if (literal_need_ > 0) break;
      out += take(session_.on_literal(literal_));
      literal_.clear();
      continue;
    }
    const auto nl = buf_.find('\n');
    if (nl == std::string::npos) {
      if (!discarding_line_ && buf_.size() > max_line_) {
        out += take(session_.on_overlong_line());
        discarding_line_ = true;
      }
      if (discarding_line_) buf_.clear();
      break;
    }
    const bool crlf = nl > 0 && buf_[nl - 1] == '\r';
    std::string line = buf_.substr(0, crlf ? nl - 1 : nl);
    buf_.erase(0, nl + 1);
    if (discarding_line_) {
      discarding_line_ = false;
      continue;
    }
    if (line.size() > max_line_) {
      out += take(session_.on_overlong_line());
      continue;
    }
    out += take(session_.on_line(line, crlf));
  }
  // STARTTLS: input buffered after the command never reaches the TLS session.
  if (tls_) buf_.clear();
  return out;
}

}  // namespace zest::managesieve
