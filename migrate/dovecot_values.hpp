// Dovecot's value forms: sizes ("4M"), time intervals ("1d", "30 secs"),
// booleans ("yes"), and Pigeonhole's script locations
// ("file:~/sieve;active=~/.dovecot.sieve").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace zest::migrate {

// Bytes: a number with an optional unit B, k, M, G, T (powers of 1024).
std::optional<std::int64_t> parse_size(std::string_view v);
// Seconds: a number with an optional unit (s, secs, m, mins, h, hours, d,
// days, w, weeks; "ms" values are rounded up to a second). Plain numbers
// are seconds.
std::optional<std::int64_t> parse_seconds(std::string_view v);
// "yes"/"no" (and Dovecot's other spellings).
std::optional<bool> parse_bool(std::string_view v);

// A Pigeonhole location "[type:]path[;option=value...]".
struct Location {
  std::string type;  // "file" when none was given
  std::string path;
  std::map<std::string, std::string> options;  // name -> value ("" for a bare option)
};
Location parse_location(std::string_view v);

}  // namespace zest::migrate
