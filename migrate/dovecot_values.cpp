#include "migrate/dovecot_values.hpp"

#include <charconv>

#include "base/text.hpp"

namespace zest::migrate {
namespace {

// The leading number of `v` and the rest (trimmed), or nullopt.
std::optional<std::pair<std::int64_t, std::string>> number_and_unit(std::string_view v) {
  v = base::trim(v);
  std::int64_t n = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p == v.data() || n < 0) return std::nullopt;
  return std::pair{n, base::to_lower(base::trim(v.substr(static_cast<std::size_t>(p - v.data()))))};
}

std::optional<std::int64_t> times(std::int64_t n, std::int64_t m) {
  if (n > INT64_MAX / m) return std::nullopt;
  return n * m;
}

}  // namespace

std::optional<std::int64_t> parse_size(std::string_view v) {
  const auto nu = number_and_unit(v);
  if (!nu) return std::nullopt;
  const auto& [n, unit] = *nu;
  std::string u = unit;
  if (u.size() == 2 && u[1] == 'b') u.pop_back();  // "kB", "MB"
  if (u.empty() || u == "b") return n;
  if (u == "k") return times(n, 1024);
  if (u == "m") return times(n, 1024 * 1024);
  if (u == "g") return times(n, 1024LL * 1024 * 1024);
  if (u == "t") return times(n, 1024LL * 1024 * 1024 * 1024);
  return std::nullopt;
}

std::optional<std::int64_t> parse_seconds(std::string_view v) {
  const auto nu = number_and_unit(v);
  if (!nu) return std::nullopt;
  const auto& [n, u] = *nu;
  if (u.empty() || u == "s" || u == "sec" || u == "secs" || u == "second" || u == "seconds")
    return n;
  if (u == "ms" || u == "msec" || u == "msecs" || u == "millisecond" || u == "milliseconds")
    return (n + 999) / 1000;
  if (u == "m" || u == "min" || u == "mins" || u == "minute" || u == "minutes") return times(n, 60);
  if (u == "h" || u == "hour" || u == "hours") return times(n, 3600);
  if (u == "d" || u == "day" || u == "days") return times(n, 86400);
  if (u == "w" || u == "week" || u == "weeks") return times(n, 7 * 86400);
  return std::nullopt;
}

std::optional<bool> parse_bool(std::string_view v) {
  const std::string s = base::to_lower(base::trim(v));
  if (s == "yes" || s == "y" || s == "true" || s == "1") return true;
  if (s == "no" || s == "n" || s == "false" || s == "0") return false;
  return std::nullopt;
}

Location parse_location(std::string_view v) {
  Location loc;
  v = base::trim(v);
  // "type:" only when what precedes ':' is a plain word (not "~/x" or "/x").
  const auto colon = v.find(':');
  const auto semi = v.find(';');
  if (colon != std::string_view::npos && (semi == std::string_view::npos || colon < semi) &&
      colon > 0 && v.substr(0, colon).find_first_of("/~.") == std::string_view::npos) {
    loc.type = base::to_lower(v.substr(0, colon));
    v.remove_prefix(colon + 1);
  } else {
    loc.type = "file";
  }
  std::size_t start = 0;
  bool first = true;
  while (start <= v.size()) {
    auto end = v.find(';', start);
    if (end == std::string_view::npos) end = v.size();
    const std::string_view part = v.substr(start, end - start);
    if (first) {
      loc.path = std::string(part);
      first = false;
    } else if (!part.empty()) {
      const auto eq = part.find('=');
      loc.options[base::to_lower(part.substr(0, eq))] =
          eq == std::string_view::npos ? "" : std::string(part.substr(eq + 1));
    }
    start = end + 1;
  }
  return loc;
}

}  // namespace zest::migrate
