// What the interpreter may ask of its host. The VM does no I/O itself.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace zest::interp {

// The SMTP envelope of the message being delivered to one recipient.
// Addresses are without angle brackets; an empty `from` is the null sender.
struct Envelope {
  std::string from;
  std::string to;
  std::string orig_to;
  std::string auth;
};

enum class LogLevel { Debug, Info, Warning, Error };

class Host {
 public:
  virtual ~Host() = default;
  virtual bool mailbox_exists(std::string_view /*mailbox*/) { return true; }
  // Environment items (RFC 5183) the host defines; nullopt = unknown.
  virtual std::optional<std::string> environment(std::string_view /*name*/) { return {}; }
  virtual void log(LogLevel /*level*/, std::string_view /*message*/) {}
};

}  // namespace zest::interp
