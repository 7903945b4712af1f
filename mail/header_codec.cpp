#include "mail/header_codec.hpp"

#include "base/utf8.hpp"

namespace zest::mail {
namespace {

constexpr std::size_t kFoldAt = 76;

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

bool printable_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kAlphabet[(v >> k) & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// Line breaks in a value become folding whitespace (a break not followed by
// whitespace gets a space, so that unfolding keeps the words apart).
std::string fold_breaks(std::string_view v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\r' || v[i] == '\n') {
      if (v[i] == '\r' && i + 1 < v.size() && v[i + 1] == '\n') ++i;
      while (i + 1 < v.size() && (v[i + 1] == '\r' || v[i + 1] == '\n')) ++i;  // no empty lines
      if (i + 1 >= v.size()) break;  // a trailing break ends the value
      out += "\r\n";
      if (!is_wsp(v[i + 1])) out += ' ';
      continue;
    }
    out += v[i];
  }
  return out;
}

// Folds lines longer than kFoldAt before a space; `used` is what the first
// line already holds ("Name: ").
std::string fold_long_lines(std::string_view text, std::size_t used) {
  std::string out;
  std::size_t line_start = 0;  // in `out`
  std::size_t first = used;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      out += c;
      line_start = out.size();
      first = 0;
      continue;
    }
    if (is_wsp(c) && out.size() - line_start + first >= kFoldAt) {
      // Break before this whitespace unless the line is only whitespace.
      bool content = false;
      for (std::size_t k = line_start; k < out.size(); ++k)
        if (!is_wsp(out[k]) && out[k] != '\r') content = true;
      if (content) {
        out += "\r\n";
        line_start = out.size();
        first = 0;
      }
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string to_crlf(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 32);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += "\r\n";
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else if (s[i] == '\n') {
      out += "\r\n";
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string encode_words(std::string_view text) {
  if (printable_ascii(text)) return std::string(text);
  // 45 bytes give 60 base64 characters: the word stays under 75 octets.
  constexpr std::size_t kChunk = 45;
  std::string out;
  while (!text.empty()) {
    std::string_view chunk = base::utf8_truncate(text, kChunk);
    if (chunk.empty()) chunk = text.substr(0, 1);  // an invalid byte: keep going
    if (!out.empty()) out += "\r\n ";
    out += "=?utf-8?B?" + base64(chunk) + "?=";
    text.remove_prefix(chunk.size());
  }
  return out;
}

std::string header_field(std::string_view name, std::string_view value) {
  std::string v = fold_breaks(value);
  if (!printable_ascii(v)) {
    // Encoded words cannot hold line breaks: unfold first.
    std::string flat;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '\r' && i + 1 < v.size() && v[i + 1] == '\n') {
        ++i;
        continue;
      }
      flat += v[i];
    }
    return std::string(name) + ": " + encode_words(flat) + "\r\n";
  }
  return std::string(name) + ": " + fold_long_lines(v, name.size() + 2) + "\r\n";
}

HeaderBlock::HeaderBlock(std::string_view raw) {
  const std::string crlf = to_crlf(raw);
  std::size_t pos = 0;
  while (pos < crlf.size()) {
    std::size_t eol = crlf.find("\r\n", pos);
    if (eol == std::string::npos) eol = crlf.size();
    const std::string_view line(crlf.data() + pos, eol - pos);
    if (line.empty()) break;  // the header ends
    const std::size_t next = eol == crlf.size() ? eol : eol + 2;
    if (is_wsp(line.front()) && !fields_.empty()) {
      fields_.back().text.append(crlf, pos, next - pos);
    } else {
      Field f;
      const auto colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string_view n = line.substr(0, colon);
        while (!n.empty() && is_wsp(n.back())) n.remove_suffix(1);
        f.name = std::string(n);
      }
      f.text.assign(crlf, pos, next - pos);
      if (eol == crlf.size()) f.text += "\r\n";
      fields_.push_back(std::move(f));
    }
    pos = next;
  }
  rest_ = pos < crlf.size() ? crlf.substr(pos) : std::string("\r\n");
}

std::string HeaderBlock::value_of(const Field& f) {
  std::string_view t = f.text;
  const auto colon = t.find(':');
  if (colon == std::string_view::npos) return {};
  t.remove_prefix(colon + 1);
  std::string out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '\r' || t[i] == '\n') continue;  // unfolding removes the breaks only
    out += t[i];
  }
  const auto b = out.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return out.substr(b, out.find_last_not_of(" \t") - b + 1);
}

std::string HeaderBlock::str() const {
  std::string out;
  for (const auto& f : fields_) out += f.text;
  out += rest_;
  return out;
}

}  // namespace zest::mail
