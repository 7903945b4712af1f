#include "grammar/driver.hpp"

#include <cstring>
#include <memory>

#include "base/hex.hpp"
#include "base/text.hpp"

namespace zest::grammar::detail {

void Driver::error(Location loc, std::string message) {
  if (stopped_) return;
  diags_.error(loc, std::move(message));
  if (diags_.error_count() >= limits_.max_errors) stopped_ = true;
}

void Driver::report_nuls(const char* text, std::size_t len) {
  while (next_nul_ < nul_runs_.size() && nul_runs_[next_nul_] < offset_ + len) {
    const std::size_t at = nul_runs_[next_nul_++] - offset_;
    error(locate(position(), {text, len}, at), "NUL character not allowed in script");
  }
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

void Driver::build_tree() {
  // Every list element is a distinct arena entry, so the arenas' sizes
  // bound the storage: reserved once, it never moves under the views.
  script_.nodes.reserve(nodes_.size());
  script_.arguments.reserve(args_.size());
  script_.strings.reserve(strings_.size());
  script_.nodes.resize(top_.size());
  for (std::size_t i = 0; i < top_.size(); ++i) build_node(script_.nodes[i], nodes_[top_[i]]);
  script_.commands = Seq<Node>(script_.nodes.data(), top_.size());
}

std::string_view Driver::lowered(std::string_view s) {
  for (char c : s)
    if (c >= 'A' && c <= 'Z') {
      script_.owned.push_back(base::to_lower(s));
      return script_.owned.back();
    }
  return s;
}

void Driver::build_node(Node& n, const FlatNode& f) {
  n.identifier = lowered(f.identifier);
  n.loc = f.loc;
  n.arguments = build_arguments(f.arguments);
  n.tests = build_nodes(f.tests);
  n.has_test_list = f.has_test_list;
  n.has_block = f.has_block;
  n.block = build_nodes(f.block);
}

Seq<Node> Driver::build_nodes(List l) {
  const std::size_t k = count(nodes_, l);
  if (k == 0) return {};
  auto& out = script_.nodes;
  const std::size_t start = out.size();
  out.resize(start + k);  // within the reserved capacity: no reallocation
  std::size_t j = start;
  for (std::uint32_t i = l.first; i != kNone; i = nodes_[i].next) build_node(out[j++], nodes_[i]);
  return {out.data() + start, k};
}

Seq<Argument> Driver::build_arguments(List l) {
  const std::size_t k = count(args_, l);
  if (k == 0) return {};
  auto& out = script_.arguments;
  const std::size_t start = out.size();
  out.resize(start + k);
  std::size_t j = start;
  for (std::uint32_t i = l.first; i != kNone; i = args_[i].next) {
    const FlatArgument& a = args_[i];
    Argument& to = out[j++];
    switch (a.kind) {
      case FlatArgument::Kind::Number:
        to = Number{a.number, a.loc};
        break;
      case FlatArgument::Kind::String: {
        const FlatString& s = strings_[a.string];
        to = StringLiteral{s.lit.value, s.loc, s.lit.multiline};
        break;
      }
      case FlatArgument::Kind::StringList:
        to = StringList{build_strings(a.list), a.loc};
        break;
      case FlatArgument::Kind::Tag:
        to = Tag{lowered(a.tag), a.loc};
        break;
    }
  }
  return {out.data() + start, k};
}

Seq<StringLiteral> Driver::build_strings(List l) {
  const std::size_t k = count(strings_, l);
  if (k == 0) return {};
  auto& out = script_.strings;
  const std::size_t start = out.size();
  for (std::uint32_t i = l.first; i != kNone; i = strings_[i].next)
    out.push_back(StringLiteral{strings_[i].lit.value, strings_[i].loc, strings_[i].lit.multiline});
  return {out.data() + start, k};
}

std::pair<char*, std::size_t> Driver::prepare_input() {
  const std::size_t n = source_.size();
  script_.source = std::make_unique_for_overwrite<char[]>(n + 2);
  char* buf = script_.source.get();
  if (n != 0) std::memcpy(buf, source_.data(), n);
  buf[n] = '\0';
  buf[n + 1] = '\0';
  input_ = std::string_view(buf, n);
  auto off = source_.find('\0');
  while (off != std::string_view::npos) {
    // Only the first max_errors runs can ever be reported.
    if (nul_runs_.size() < limits_.max_errors) nul_runs_.push_back(off);
    while (off < n && buf[off] == '\0') buf[off++] = ' ';
    off = source_.find('\0', off);
  }
  return {buf, n + 2};
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
