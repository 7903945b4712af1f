// Feeds raw bytes to a Session the way net/ does (lines with a bound,
// literals of the announced size, work() run inline). For transcript tests
// and the fuzzer; the server uses net::LineServer instead.
#pragma once

#include <string>
#include <string_view>

#include "manage-sieve/session.hpp"

namespace zest::managesieve {

class ByteDriver {
 public:
  ByteDriver(Session& session, std::size_t max_line) : session_(session), max_line_(max_line) {}
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
  std::string take(Session::Output o);
  Session& session_;
  std::size_t max_line_;
  std::string buf_, literal_;
  std::uint64_t literal_need_ = 0;
  bool discard_ = false, discarding_line_ = false, closed_ = false, tls_ = false;
  std::chrono::milliseconds delay_{0};
};

}  // namespace zest::managesieve
