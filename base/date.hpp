// Date-time formats of the Internet (RFC 5322 §3.3, RFC 3339).
#pragma once

#include <cstdint>
#include <string>

namespace zest::base {

enum class Zone { utc, local };

// "Fri, 4 Dec 2026 16:18:08 +0000" (local: the machine's offset).
std::string rfc5322_date(std::int64_t unix_seconds, Zone zone = Zone::utc);
std::string rfc5322_date_now(Zone zone = Zone::utc);
// "2026-12-04T16:18:08Z"
std::string rfc3339_date(std::int64_t unix_seconds);

}  // namespace zest::base
