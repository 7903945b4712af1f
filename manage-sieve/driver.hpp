// Feeds raw bytes to a Session through net's LineFramer, as net::LineServer
// does (work() run inline, delays summed instead of waited). For transcript
// tests and the fuzzer.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "manage-sieve/session.hpp"
#include "net/line_framer.hpp"
#include "net/output.hpp"

namespace zest::managesieve {

class ByteDriver {
 public:
  ByteDriver(Session& session, std::size_t max_line) : session_(session), framer_(max_line) {}
  std::string greeting() { return take(session_.greeting()); }
  // Everything the server answers to these bytes.
  std::string feed(std::string_view bytes);
  bool closed() const { return closed_; }
  bool tls_requested() const { return tls_; }
  // After a STARTTLS: the handshake "happened"; returns the capabilities.
  std::string tls_done() {
    tls_ = false;
    return take(session_.tls_started());
  }
  std::chrono::milliseconds total_delay() const { return delay_; }

 private:
  std::string take(net::Output o);
  Session& session_;
  net::LineFramer framer_;
  bool closed_ = false, tls_ = false;
  std::chrono::milliseconds delay_{0};
};

}  // namespace zest::managesieve
