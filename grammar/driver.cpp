#include "grammar/driver.hpp"

#include <cstring>

#include "base/hex.hpp"
#include "base/text.hpp"

namespace zest::grammar::detail {

void Driver::error(Location loc, std::string message) {
  if (stopped_) return;
  diags_.error(loc, std::move(message));
  if (diags_.error_count() >= limits_.max_errors) stopped_ = true;
}

void Driver::advance(const char* text, std::size_t len) {
  tok_begin_ = pos_;
  prev_stray_ = cur_stray_;
  cur_stray_ = false;
  while (next_nul_ < nul_runs_.size() && nul_runs_[next_nul_] < offset_ + len) {
    const std::size_t at = nul_runs_[next_nul_++] - offset_;
    error(locate(pos_, {text, len}, at), "NUL character not allowed in script");
  }
  offset_ += len;
  const char* p = text;
  const char* const end = text + len;
  while (const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p))) {
    ++pos_.line;
    pos_.column = 1;
    p = static_cast<const char*>(nl) + 1;
  }
  pos_.column += static_cast<std::uint32_t>(end - p);
}

Location Driver::locate(Location begin, std::string_view text, std::size_t off) {
  Location loc = begin;
  for (std::size_t i = 0; i < off && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++loc.line;
      loc.column = 1;
    } else {
      ++loc.column;
    }
  }
  return loc;
}

void Driver::add_command(std::uint32_t node) {
  script_.commands.push_back(build_node(nodes_[node]));
  // Nothing on the parser's stack refers to the arenas between top-level
  // commands, and literal views point into the input or owned_.
  nodes_.clear();
  args_.clear();
  strings_.clear();
}

Node Driver::build_node(const FlatNode& f) {
  Node n;
  // Identifiers are case-insensitive (RFC 5228 §2.9); lower-cased in place.
  n.identifier.assign(f.identifier);
  base::lower_in_place(n.identifier);
  n.loc = f.loc;
  n.arguments.reserve(count(args_, f.arguments));
  for (std::uint32_t i = f.arguments.first; i != kNone; i = args_[i].next)
    n.arguments.push_back(build_argument(args_[i]));
  n.tests.reserve(count(nodes_, f.tests));
  for (std::uint32_t i = f.tests.first; i != kNone; i = nodes_[i].next)
    n.tests.push_back(build_node(nodes_[i]));
  n.has_test_list = f.has_test_list;
  n.has_block = f.has_block;
  n.block.reserve(count(nodes_, f.block));
  for (std::uint32_t i = f.block.first; i != kNone; i = nodes_[i].next)
    n.block.push_back(build_node(nodes_[i]));
  return n;
}

Argument Driver::build_argument(const FlatArgument& a) {
  switch (a.kind) {
    case FlatArgument::Kind::Number:
      return Number{a.number, a.loc};
    case FlatArgument::Kind::String:
      return build_string(strings_[a.string]);
    case FlatArgument::Kind::StringList: {
      StringList l;
      l.loc = a.loc;
      l.items.reserve(count(strings_, a.list));
      for (std::uint32_t i = a.list.first; i != kNone; i = strings_[i].next)
        l.items.push_back(build_string(strings_[i]));
      return l;
    }
    case FlatArgument::Kind::Tag: {
      Tag t{std::string(a.tag), a.loc};
      base::lower_in_place(t.name);
      return t;
    }
  }
  return Number{};
}

std::string_view Driver::prepare_input() {
  input_ = source_;
  auto off = source_.find('\0');
  if (off == std::string_view::npos) return source_;
  nul_free_.assign(source_);
  while (off != std::string_view::npos) {
    // Only the first max_errors runs can ever be reported.
    if (nul_runs_.size() < limits_.max_errors) nul_runs_.push_back(off);
    while (off < nul_free_.size() && nul_free_[off] == '\0') nul_free_[off++] = ' ';
    off = source_.find('\0', off);
  }
  input_ = nul_free_;
  return nul_free_;
}

std::string unescape_quoted(std::string_view body) {
  std::string out;
  out.reserve(body.size() + 8);
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '\\' && i + 1 < body.size()) c = body[++i];
    if (c == '\n' && (out.empty() || out.back() != '\r')) out += '\r';
    out += c;
  }
  return out;
}

void append_text_line(std::string& out, std::string_view line) {
  if (line.size() >= 2 && line[0] == '.' && line[1] == '.') line.remove_prefix(1);
  if (!line.empty() && line.back() == '\n') {
    line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out += line;
    out += "\r\n";
  } else {
    out += line;
  }
}

std::string describe_bytes(std::string_view bytes, std::size_t max_len) {
  std::string out;
  std::size_t n = 0;
  for (unsigned char c : bytes) {
    if (n++ == max_len) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += base::kHexLower[c >> 4];
      out += base::kHexLower[c & 0xf];
    }
  }
  return out;
}

}  // namespace zest::grammar::detail
