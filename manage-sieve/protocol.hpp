// ManageSieve (RFC 5804) wire syntax: argument tokens of one command line,
// strings out (quoted or literal), responses with codes, script names.
// Pure functions; no state, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zest::managesieve {

struct Arg {
  enum class Kind { String, Number, Atom };
  Kind kind = Kind::String;
  std::string text;  // the string's content, the number's digits, the atom
  std::uint64_t number = 0;
};

// Parses the arguments on one line (the part after the command name, or a
// continuation line after a literal). Stops at the end of the line or at a
// literal header "{N}"/"{N+}" that must end the line.
struct LineParse {
  std::vector<Arg> args;
  std::optional<std::uint64_t> literal;  // a literal of this many octets follows
  std::string error;                     // non-empty: syntax error
};
LineParse parse_args(std::string_view line, std::size_t max_quoted = 1024);

// Does the line end with a literal header ({N} or {N+})? Used to skip the
// literal of a command that already failed.
std::optional<std::uint64_t> trailing_literal(std::string_view line);

// A string as the server sends it: "quoted" when it can be, else {N}CRLF...
std::string string_out(std::string_view s);

// "OK", "NO (QUOTA/MAXSIZE) \"text\"" ... with CRLF; text may be empty.
std::string response(std::string_view status, std::string_view code, std::string_view text);

// RFC 5804 §1.6: non-empty UTF-8 without controls (U+0000-001F, U+007F,
// U+0080-009F), U+2028, U+2029, at most max_octets. Empty when valid.
std::string check_script_name(std::string_view name, std::size_t max_octets = 512);

}  // namespace zest::managesieve
