#include "base/date.hpp"

#include <cstdio>
#include <ctime>

namespace zest::base {

std::string rfc5322_date(std::int64_t unix_seconds, Zone zone) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (zone == Zone::local)
    ::localtime_r(&t, &tm);
  else
    ::gmtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const long off = zone == Zone::local ? tm.tm_gmtoff / 60 : 0;
  const long abs_off = off < 0 ? -off : off;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %d %s %04d %02d:%02d:%02d %c%02ld%02ld", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
                off < 0 ? '-' : '+', abs_off / 60, abs_off % 60);
  return buf;
}

std::string rfc5322_date_now(Zone zone) {
  return rfc5322_date(static_cast<std::int64_t>(std::time(nullptr)), zone);
}

std::string rfc3339_date(std::int64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace zest::base
