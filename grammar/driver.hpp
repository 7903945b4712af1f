// Internal state shared by the Flex scanner and the Bison parser. Not part
// of the public grammar API: only grammar/*.cpp and the generated sources
// include it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/ast.hpp"
#include "grammar/diagnostics.hpp"
#include "grammar/location.hpp"
#include "grammar/parse.hpp"

namespace zest::grammar::detail {

// Bison location type: a token or rule spans [begin, end).
struct Span {
  Location begin;
  Location end;
};

class Driver {
 public:
  Driver(std::string_view source, const ParseLimits& limits, Diagnostics& diags, Script& script)
      : source_(source), limits_(limits), diags_(diags), script_(script) {}

  // Records an error unless the error budget is spent; once it is, the
  // scanner reports end of input so that parsing stops quickly.
  void error(Location loc, std::string message);
  bool stopped() const { return stopped_; }
  void stop() { stopped_ = true; }

  const ParseLimits& limits() const { return limits_; }
  std::string_view source() const { return source_; }
  void add_command(Node&& node) { script_.commands.push_back(std::move(node)); }

  // Scanner bookkeeping: called for every match with the matched bytes.
  void advance(const char* text, std::size_t len);
  Location token_begin() const { return tok_begin_; }
  Location position() const { return pos_; }
  Span span() const { return {tok_begin_, pos_}; }
  std::size_t offset() const { return offset_; }
  // Location of byte `off` inside a token starting at `begin`.
  static Location locate(Location begin, std::string_view text, std::size_t off);

  // NUL bytes are reported as the scanner passes them and scanned as
  // spaces: flex re-scans a token from its start at every NUL it meets,
  // which is quadratic on long runs. Returns the bytes to hand to flex.
  std::string_view prepare_input();

  // After a syntax error the parser only accepts ';' or '}' (see the
  // `skip` rule); the lexer drops everything else itself, which keeps
  // recovery over megabytes of junk fast.
  // Also bounds the work on inputs that are nothing but errors (each
  // stray '}' is a recovery of its own, most of them unreported).
  void start_skipping() {
    skipping_ = true;
    if (++recoveries_ > 16 * limits_.max_errors + 16) stopped_ = true;
  }
  void stop_skipping() { skipping_ = false; }
  bool skipping() const { return skipping_; }

  // Reports stray bytes, once per run of adjacent stray matches (so "*/"
  // outside a comment is one error, not two).
  void stray(Location loc, std::string message) {
    if (!prev_stray_) error(loc, std::move(message));
    cur_stray_ = true;
  }

  // Multi-line string being collected by the scanner.
  std::string text_buf;
  Location text_begin;

 private:
  std::string_view source_;
  const ParseLimits& limits_;
  Diagnostics& diags_;
  Script& script_;
  Location pos_;
  Location tok_begin_;
  std::size_t offset_ = 0;
  bool stopped_ = false;
  bool skipping_ = false;
  std::size_t recoveries_ = 0;
  std::string nul_free_;               // copy of the source without NULs
  std::vector<std::size_t> nul_runs_;  // offsets of (the first few) NUL runs
  std::size_t next_nul_ = 0;
  bool prev_stray_ = false;
  bool cur_stray_ = false;
};

// Escape processing for the body of a quoted string (without the quotes):
// "\x" stands for "x"; bare LF becomes CRLF.
std::string unescape_quoted(std::string_view body);
// Appends one line of a multi-line string (including its line ending, if
// any) with dot-unstuffing and CRLF line endings.
void append_text_line(std::string& out, std::string_view line);
// Quote a byte sequence for an error message: printable ASCII as-is,
// anything else as \xNN.
std::string describe_bytes(std::string_view bytes, std::size_t max_len = 8);

// Scanner lifetime (implemented in scanner.l).
void* scanner_create(Driver& drv, std::string_view source);
void scanner_destroy(void* scanner);

}  // namespace zest::grammar::detail
