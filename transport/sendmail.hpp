// Hands one message to a sendmail-compatible program, as Pigeonhole does:
// `<program> -i -f <sender> -- <rcpt>...` started directly (posix_spawn,
// never through a shell), the message on its standard input with LF line
// ends. Used for [submission] sendmail_path and [notify] sendmail.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace zest::transport {

// Fails when the program cannot be started, does not read the whole
// message, exits other than 0 (its first line of standard error is in the
// error), or is still running after `timeout_seconds` (then it is killed).
// An empty `from` is the null sender, passed as "-f <>".
Status run_sendmail(const std::string& program, std::string_view from,
                    std::span<const std::string> rcpts, std::string_view message,
                    long timeout_seconds = 30);

}  // namespace zest::transport
