// Time periods in settings ("30s", "12h", "7d", "1w" or plain seconds), as
// Pigeonhole writes its period settings (sieve_vacation_min_period, ...).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "interp/settings.hpp"

namespace zest::interp {

inline std::optional<std::uint64_t> parse_period(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  std::uint64_t n = 0;
  std::size_t i = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (n > (UINT64_MAX - 9) / 10) return std::nullopt;
    n = n * 10 + static_cast<unsigned>(s[i] - '0');
  }
  if (i == 0) return std::nullopt;
  std::string_view unit = s.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  std::uint64_t mult = 0;
  const auto is = [&](std::initializer_list<std::string_view> names) {
    for (auto nm : names)
      if (unit == nm) return true;
    return false;
  };
  if (is({"", "s", "sec", "secs", "second", "seconds"}))
    mult = 1;
  else if (is({"m", "min", "mins", "minute", "minutes"}))
    mult = 60;
  else if (is({"h", "hour", "hours"}))
    mult = 3600;
  else if (is({"d", "day", "days"}))
    mult = 86400;
  else if (is({"w", "week", "weeks"}))
    mult = 7 * 86400;
  else
    return std::nullopt;
  return n * mult;
}

// A period setting, or `fallback` when unset or invalid.
inline std::uint64_t period_setting(const EngineSettings& settings, std::string_view key,
                                    std::uint64_t fallback) {
  auto it = settings.values.find(key);
  if (it == settings.values.end()) return fallback;
  return parse_period(it->second).value_or(fallback);
}

}  // namespace zest::interp
