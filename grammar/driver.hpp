// Internal state shared by the Flex scanner and the Bison parser. Not part
// of the public grammar API: only grammar/*.cpp and the generated sources
// include it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
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

// The parser builds the tree in flat arenas first: its semantic values are
// small trivially copyable indices, so Bison's stack moves no strings or
// vectors. Lists are linked through `next`, which keeps what error recovery
// abandons harmless (it is simply not linked). Once the parse is over, the
// top-level commands are laid out in the Script's storage (build_tree).
inline constexpr std::uint32_t kNone = UINT32_MAX;

struct List {
  std::uint32_t first = kNone;
  std::uint32_t last = kNone;
};

// A string literal's value: a view into the source when it needed no escape
// processing, else into storage owned by the Driver.
struct Lit {
  std::string_view value;
  bool multiline = false;
};

struct FlatString {
  Lit lit;
  Location loc;
  std::uint32_t next = kNone;
};

struct FlatArgument {
  enum class Kind : std::uint8_t { Number, String, StringList, Tag } kind = Kind::Number;
  Location loc;
  std::uint64_t number = 0;
  std::string_view tag;      // as written, without the ':'
  std::uint32_t string = 0;  // String: index into strings
  List list;                 // StringList
  std::uint32_t next = kNone;
};

struct FlatNode {
  std::string_view identifier;  // as written
  Location loc;
  List arguments;
  List tests;
  List block;
  bool has_test_list = false;
  bool has_block = false;
  std::uint32_t next = kNone;
};

// The parser's semantic value (see parser.yy): which fields a symbol uses
// depends on its kind.
struct Value {
  std::string_view text;        // IDENTIFIER, TAG: as written; STRING: the value
  std::uint64_t number = 0;     // NUMBER
  List list;                    // commands, block, tests, arguments, strings, test_part
  std::uint32_t index = kNone;  // argument, string, head, test, command
  bool flag = false;            // STRING: multi-line; test_part: a "(...)" list
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
  // A complete top-level command, kept for build_tree.
  void add_command(std::uint32_t node) { top_.push_back(node); }
  // Lays out the top-level commands, and all they contain, in the Script:
  // each list is one run of its storage vectors, sized once.
  void build_tree();

  // The arenas (see FlatNode).
  std::uint32_t new_node(std::string_view identifier, Location loc) {
    nodes_.push_back(FlatNode{identifier, loc, {}, {}, {}, false, false, kNone});
    return static_cast<std::uint32_t>(nodes_.size() - 1);
  }
  FlatNode& node(std::uint32_t i) { return nodes_[i]; }
  std::uint32_t new_argument(const FlatArgument& a) {
    args_.push_back(a);
    return static_cast<std::uint32_t>(args_.size() - 1);
  }
  std::uint32_t new_string(Lit lit, Location loc) {
    strings_.push_back(FlatString{lit, loc, kNone});
    return static_cast<std::uint32_t>(strings_.size() - 1);
  }
  List append_node(List l, std::uint32_t i) { return append(nodes_, l, i); }
  List append_argument(List l, std::uint32_t i) { return append(args_, l, i); }
  List append_string(List l, std::uint32_t i) { return append(strings_, l, i); }

  // A literal whose value differs from its source bytes; the view stays
  // valid for the whole parse.
  Lit own(std::string value, bool multiline) {
    script_.owned.push_back(std::move(value));
    return Lit{script_.owned.back(), multiline};
  }
  // `len` bytes of the scanner's input ending at the current position.
  std::string_view last_bytes(std::size_t len) const { return input_.substr(offset_ - len, len); }

  // Scanner bookkeeping, called for every match with the matched bytes.
  // Columns are derived from offsets (the line's start is remembered), so
  // only the rules whose tokens may hold a line break scan their bytes,
  // with count_lines.
  void advance(const char* text, std::size_t len) {
    tok_begin_ = position();
    prev_stray_ = cur_stray_;
    cur_stray_ = false;
    if (next_nul_ < nul_runs_.size()) report_nuls(text, len);
    offset_ += len;
  }
  // After advance, for a token that may contain line breaks.
  void count_lines(const char* text, std::size_t len) {
    const std::size_t base = offset_ - len;
    if (len <= 16) {  // mostly a line break and an indentation
      for (std::size_t i = 0; i < len; ++i)
        if (text[i] == '\n') {
          ++line_;
          line_start_ = base + i + 1;
        }
      return;
    }
    const char* const end = text + len;
    for (const char* p = text;
         (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p))));) {
      ++p;
      ++line_;
      line_start_ = base + static_cast<std::size_t>(p - text);
    }
  }
  Location token_begin() const { return tok_begin_; }
  Location position() const {
    return {line_, static_cast<std::uint32_t>(offset_ - line_start_ + 1)};
  }
  Span span() const { return {tok_begin_, position()}; }
  std::size_t offset() const { return offset_; }
  // Location of byte `off` inside a token starting at `begin`.
  static Location locate(Location begin, std::string_view text, std::size_t off);

  // Copies the source into the Script (literals and identifiers are views
  // of that copy) followed by the two NULs flex needs to scan it in place.
  // NUL bytes are reported as the scanner passes them and scanned as
  // spaces: flex re-scans a token from its start at every NUL it meets,
  // which is quadratic on long runs. Returns the buffer to hand to flex
  // (its size includes the two NULs).
  std::pair<char*, std::size_t> prepare_input();

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
  void report_nuls(const char* text, std::size_t len);
  template <class T>
  static List append(std::vector<T>& arena, List l, std::uint32_t i) {
    if (l.first == kNone) return List{i, i};
    arena[l.last].next = i;
    return List{l.first, i};
  }
  void build_node(Node& n, const FlatNode& f);
  Seq<Node> build_nodes(List l);
  Seq<Argument> build_arguments(List l);
  Seq<StringLiteral> build_strings(List l);
  // Identifiers are case-insensitive (RFC 5228 §2.9): a view of the source
  // when it is lower case already, else of a lower-cased copy.
  std::string_view lowered(std::string_view s);
  template <class T>
  static std::size_t count(const std::vector<T>& arena, List l) {
    std::size_t n = 0;
    for (std::uint32_t i = l.first; i != kNone; i = arena[i].next) ++n;
    return n;
  }

  std::string_view source_;
  std::string_view input_;  // what flex scans: the Script's copy of the source
  std::vector<FlatNode> nodes_;
  std::vector<FlatArgument> args_;
  std::vector<FlatString> strings_;
  std::vector<std::uint32_t> top_;  // the top-level commands, in order
  const ParseLimits& limits_;
  Diagnostics& diags_;
  Script& script_;
  std::uint32_t line_ = 1;
  std::size_t line_start_ = 0;  // offset of the current line's first byte
  Location tok_begin_;
  std::size_t offset_ = 0;
  bool stopped_ = false;
  bool skipping_ = false;
  std::size_t recoveries_ = 0;
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

// Scanner lifetime (implemented in scanner.l). `buffer` is scanned in
// place; its last two bytes are NULs.
void* scanner_create(Driver& drv, char* buffer, std::size_t size);
void scanner_destroy(void* scanner);

}  // namespace zest::grammar::detail
