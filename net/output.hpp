// What a protocol state machine (LMTP, ManageSieve) asks of the connection
// after each event: bytes to write and what to do next. One type for every
// protocol, so the server loop needs no adapters.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace zest::net {

struct Output {
  std::string bytes;
  bool close = false;      // after writing
  bool start_tls = false;  // after writing; input buffered so far is discarded
  bool work = false;       // call work() (on a worker thread) until it stops asking
  // Next, hand exactly this many octets to on_literal() instead of lines
  // (protocols with counted literals); `discard_literal` = drop them unread.
  std::uint64_t read_literal = 0;
  bool discard_literal = false;
  std::chrono::milliseconds delay{0};  // pause before writing (failed logins)
};

}  // namespace zest::net
