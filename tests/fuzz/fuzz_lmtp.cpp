// libFuzzer target: the LMTP (RFC 2033) session state machine fed through
// net's LineFramer, the server's own (CRLF or bare LF ends, overlong lines
// dropped), with recipient delivery replies, plus parse_path_arg on every line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "delivery/lmtp_session.hpp"
#include "net/line_framer.hpp"

namespace {

using namespace zest::delivery;
using zest::net::Frame;
using zest::net::LineFramer;

// Accepts recipients unless they mention "bad"; every third delivery fails
// temporarily, so both reply paths are exercised.
class FuzzBackend final : public LmtpBackend {
 public:
  LmtpReply check_recipient(std::string_view rcpt) override {
    if (rcpt.find("bad") != std::string_view::npos) return {550, "5.1.1", "no such user"};
    return {};
  }
  LmtpReply deliver(LmtpTransaction& tx, std::size_t index) override {
    if ((tx.data.size() + index) % 3 == 0) return {452, "4.3.1", "try later"};
    return {250, "2.0.0", "ok"};
  }
};

// Returns whether the session asked for the connection to be closed.
bool drain(LmtpSession& session, zest::net::Output out, std::size_t& sink) {
  sink += out.bytes.size();
  bool close = out.close;
  // deliver_next() reports per recipient; bounded by the recipient limit.
  for (int i = 0; out.work && i < 64; ++i) {
    out = session.deliver_next();
    sink += out.bytes.size();
    close = close || out.close;
  }
  if (out.start_tls) session.tls_started();
  return close;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  FuzzBackend backend;
  LmtpOptions options;
  options.max_message_size = 4096;
  options.max_recipients = 8;
  options.max_command_line = 512;
  options.tls_available = size % 2 == 1;
  LmtpSession session(backend, options, "127.0.0.1:1", "fuzz-1");
  std::size_t sink = 0;
  bool closed = drain(session, session.greeting(), sink);
  // The bytes go through the server's own framer (lines, overlong lines).
  LineFramer framer(options.max_command_line);
  framer.feed(input);
  for (Frame f = framer.next(); f.kind != Frame::Kind::NeedMore && !closed; f = framer.next()) {
    if (f.kind != Frame::Kind::Line) {  // LMTP asks for no literals
      closed = drain(session, session.on_overlong_line(), sink);
      continue;
    }
    const std::string_view line = f.text;  // valid until the next framer call
    closed = drain(session, session.on_line(line, f.crlf), sink);
    PathArg path;
    if (parse_path_arg(line, "FROM", path)) sink += path.address.size() + path.params.size();
    if (parse_path_arg(line, "TO", path)) sink += path.address.size() + path.params.size();
  }
  if (!closed) drain(session, session.on_timeout(), sink);
  sink += format_reply({250, "2.0.0", std::string(input.substr(0, 64))}).size();
  volatile std::size_t keep = sink;
  (void)keep;
  return 0;
}
