#include "manage-sieve/driver.hpp"

namespace zest::managesieve {

std::string ByteDriver::take(net::Output o) {
  std::string out;
  delay_ += o.delay;
  while (true) {
    out += o.bytes;
    if (o.close) closed_ = true;
    if (o.start_tls) tls_ = true;
    framer_.expect_literal(o.read_literal, o.discard_literal);
    if (!o.work) break;
    o = session_.work();
    delay_ += o.delay;
  }
  return out;
}

std::string ByteDriver::feed(std::string_view bytes) {
  std::string out;
  if (closed_) return out;
  framer_.feed(bytes);
  while (!closed_ && !tls_) {
    const net::Frame f = framer_.next();
    if (f.kind == net::Frame::Kind::NeedMore) break;
    out += take(f.kind == net::Frame::Kind::Line      ? session_.on_line(f.text, f.crlf)
                : f.kind == net::Frame::Kind::Literal ? session_.on_literal(f.text)
                                                      : session_.on_overlong_line());
  }
  // STARTTLS: input buffered after the command never reaches the TLS session.
  if (tls_) framer_.drop_buffered();
  return out;
}

}  // namespace zest::managesieve
