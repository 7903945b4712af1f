#include "manage-sieve/protocol.hpp"

#include "base/utf8.hpp"
#include "store/script_store.hpp"

namespace zest::managesieve {
namespace {

bool atom_char(char c) {
  // ATOM-CHAR of RFC 5804 §4 (no specials, controls or space).
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && c != '"' && c != '{' && c != '}' && c != '(' && c != ')' &&
         c != '%' && c != '*' && c != '\\';
}

// "{123}" or "{123+}" at s[pos...]; sets end past the '}'.
std::optional<std::uint64_t> literal_header(std::string_view s, std::size_t pos, std::size_t& end) {
  if (pos >= s.size() || s[pos] != '{') return std::nullopt;
  std::size_t i = pos + 1;
  std::uint64_t n = 0;
  const std::size_t digits_start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    n = n * 10 + static_cast<std::uint64_t>(s[i] - '0');
    if (n > 0xffffffffULL) return std::nullopt;  // number: 32-bit
    ++i;
  }
  if (i == digits_start || i - digits_start > 10) return std::nullopt;
  if (i < s.size() && s[i] == '+') ++i;
  if (i >= s.size() || s[i] != '}') return std::nullopt;
  end = i + 1;
  return n;
}

}  // namespace

LineParse parse_args(std::string_view line, std::size_t max_quoted) {
  LineParse out;
  std::size_t i = 0;
  while (i < line.size()) {
    if (line[i] == ' ') {
      ++i;
      continue;
    }
    const char c = line[i];
    if (c == '"') {
      Arg a;
      ++i;
      bool closed = false;
      while (i < line.size()) {
        char ch = line[i++];
        if (ch == '"') {
          closed = true;
          break;
        }
        if (ch == '\\') {
          if (i >= line.size() || (line[i] != '"' && line[i] != '\\')) {
            out.error = "Invalid escape in quoted string";
            return out;
          }
          ch = line[i++];
        }
        if (ch == '\0' || ch == '\r' || ch == '\n') {
          out.error = "Invalid character in quoted string";
          return out;
        }
        a.text += ch;
        if (a.text.size() > max_quoted) {
          out.error = "Quoted string too long (use a literal)";
          return out;
        }
      }
      if (!closed) {
        out.error = "Unterminated quoted string";
        return out;
      }
      out.args.push_back(std::move(a));
    } else if (c == '{') {
      std::size_t end = 0;
      auto n = literal_header(line, i, end);
      if (!n) {
        out.error = "Invalid literal";
        return out;
      }
      if (end != line.size()) {
        out.error = "A literal must end the line";
        return out;
      }
      out.literal = n;
      return out;
    } else if (c >= '0' && c <= '9') {
      Arg a;
      a.kind = Arg::Kind::Number;
      while (i < line.size() && line[i] >= '0' && line[i] <= '9') a.text += line[i++];
      if (i < line.size() && line[i] != ' ') {
        out.error = "Invalid number";
        return out;
      }
      if (a.text.size() > 10 || (a.text.size() > 1 && a.text[0] == '0')) {
        out.error = "Invalid number";
        return out;
      }
      a.number = std::stoull(a.text);
      if (a.number > 0xffffffffULL) {
        out.error = "Number too large";
        return out;
      }
      out.args.push_back(std::move(a));
    } else if (atom_char(c)) {
      Arg a;
      a.kind = Arg::Kind::Atom;
      while (i < line.size() && atom_char(line[i])) a.text += line[i++];
      if (i < line.size() && line[i] != ' ') {
        out.error = "Invalid character";
        return out;
      }
      out.args.push_back(std::move(a));
    } else {
      out.error = "Invalid character";
      return out;
    }
  }
  return out;
}

std::optional<std::uint64_t> trailing_literal(std::string_view line) {
  const auto open = line.rfind('{');
  if (open == std::string_view::npos) return std::nullopt;
  std::size_t end = 0;
  auto n = literal_header(line, open, end);
  if (!n || end != line.size()) return std::nullopt;
  return n;
}

std::string string_out(std::string_view s) {
  bool quotable = s.size() <= 1024;
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0') quotable = false;
  if (!quotable) return "{" + std::to_string(s.size()) + "}\r\n" + std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string response(std::string_view status, std::string_view code, std::string_view text) {
  std::string out(status);
  if (!code.empty()) {
    out += " (";
    out += code;
    out += ')';
  }
  if (!text.empty()) {
    out += ' ';
    out += string_out(text);
  }
  out += "\r\n";
  return out;
}

std::string check_script_name(std::string_view name, std::size_t max_octets) {
  if (name.empty()) return "Script name is empty";
  if (name.size() > max_octets) return "Script name is too long";
  // The stored file is the escaped name plus ".sieve" (or ".svbc"): it
  // must fit a file name (NAME_MAX 255), or storing would fail as a
  // temporary error although no retry can ever succeed (issue 15.6).
  if (store::script_file_stem(name).size() + 6 > 255) return "Script name is too long";
  if (!base::valid_utf8(name)) return "Script name is not valid UTF-8";
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f) return "Script name contains a control character";
    // U+0080-U+009F are C2 80..C2 9F; U+2028/2029 are E2 80 A8/A9.
    if (c == 0xc2 && i + 1 < name.size() && static_cast<unsigned char>(name[i + 1]) <= 0x9f)
      return "Script name contains a control character";
    if (c == 0xe2 && i + 2 < name.size() && static_cast<unsigned char>(name[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(name[i + 2]) == 0xa8 ||
         static_cast<unsigned char>(name[i + 2]) == 0xa9))
      return "Script name contains a line or paragraph separator";
  }
  return {};
}

}  // namespace zest::managesieve
