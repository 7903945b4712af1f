#include "mail/header_codec.hpp"

#include <algorithm>

#include "base/base64.hpp"
#include "base/text.hpp"
#include "base/utf8.hpp"

namespace zest::mail {
namespace {

// RFC 5322 §2.1.1: lines should hold at most 78 characters.
constexpr std::size_t kFoldAt = 78;

using base::is_wsp;

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

// One line folded at white space so that it holds at most kFoldAt
// characters where the words allow: at the last white space that keeps it
// within the limit, else at the first one after. A break needs some text
// before it on its line. `used` is what the line already holds ("Name: ").
std::string fold_line(std::string_view line, std::size_t used) {
  std::string out;
  while (used + line.size() > kFoldAt) {
    const std::size_t text = line.find_first_not_of(" \t");
    if (text == std::string_view::npos) break;  // white space only
    std::size_t at = std::string_view::npos;
    for (std::size_t p = text + 1; p < line.size(); ++p) {
      if (!is_wsp(line[p])) continue;
      if (used + p > kFoldAt) {
        if (at == std::string_view::npos) at = p;
        break;
      }
      at = p;
    }
    if (at == std::string_view::npos) break;
    out.append(line.substr(0, at)) += "\r\n";
    line.remove_prefix(at);
    used = 0;
  }
  return out.append(line);
}

// Folds every line of a value whose breaks are CRLF already (fold_breaks).
std::string fold_long_lines(std::string_view text, std::size_t used) {
  std::string out;
  for (std::size_t start = 0;;) {
    const std::size_t end = text.find("\r\n", start);
    out += fold_line(text.substr(start, end - start), start == 0 ? used : 0);
    if (end == std::string_view::npos) return out;
    out += "\r\n";
    start = end + 2;
  }
}

// UTF-8 B encoded-words of the text, invalid sequences replaced by U+FFFD.
std::string encoded_words(std::string_view text) {
  const std::string utf8 = base::replace_invalid_utf8(text);
  // 45 octets give 60 base64 characters: a word stays under 75 characters.
  constexpr std::size_t kChunk = 45;
  std::string out;
  for (std::string_view rest = utf8; !rest.empty();) {
    // Valid UTF-8 now, so a chunk is never empty (a character has at most 4 octets).
    const std::string_view chunk = base::utf8_truncate(rest, kChunk);
    if (!out.empty()) out += "\r\n ";
    out += "=?utf-8?B?" + base::base64_encode(chunk) + "?=";
    rest.remove_prefix(chunk.size());
  }
  return out;
}

// The value with the CRLFs of its folding removed.
std::string unfold(std::string_view v) {
  std::string flat;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\r' && i + 1 < v.size() && v[i + 1] == '\n') {
      ++i;
      continue;
    }
    flat += v[i];
  }
  return flat;
}

// The longest line of a folded value whose first line already holds `used`.
std::size_t longest_line(std::string_view folded, std::size_t used) {
  std::size_t longest = 0;
  for (std::size_t start = 0;;) {
    const std::size_t end = folded.find("\r\n", start);
    const std::size_t len = (end == std::string_view::npos ? folded.size() : end) - start;
    longest = std::max(longest, len + (start == 0 ? used : 0));
    if (end == std::string_view::npos) return longest;
    start = end + 2;
  }
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
  if (base::is_ascii(text)) return std::string(text);
  return encoded_words(text);
}

std::string header_field(std::string_view name, std::string_view value) {
  const std::string v = fold_breaks(value);
  const std::size_t used = name.size() + 2;
  if (base::is_ascii(v)) {
    std::string folded = fold_long_lines(v, used);
    if (longest_line(folded, used) <= kMaxLineLength)
      return std::string(name) + ": " + folded + "\r\n";
  }
  // Encoded words cannot hold line breaks: unfold first.
  return std::string(name) + ": " + encoded_words(unfold(v)) + "\r\n";
}

std::string structured_field(std::string_view name, std::string_view value) {
  return std::string(name) + ": " + fold_long_lines(fold_breaks(value), name.size() + 2) + "\r\n";
}

std::optional<std::string> field_line(std::string_view line) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view name = line.substr(0, colon);
  while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
  if (!valid_field_name(name)) return std::nullopt;
  return header_field(name, base::trim(line.substr(colon + 1), " \t"));
}

bool has_control(std::string_view s, bool tab_too) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && (tab_too || c != '\t')) || u == 0x7f) return true;
  }
  return false;
}

std::string encode_mailbox(std::string_view address) {
  const auto lt = address.rfind('<');
  if (lt == std::string_view::npos) return std::string(address);
  std::string_view phrase = base::trim(address.substr(0, lt), " \t\r\n");
  if (base::is_ascii(phrase)) return std::string(address);
  if (phrase.size() >= 2 && phrase.front() == '"' && phrase.back() == '"')
    phrase = phrase.substr(1, phrase.size() - 2);
  return encode_words(phrase) + " " + std::string(address.substr(lt));
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
  return std::string(base::trim(out, " \t"));
}

std::string HeaderBlock::str() const {
  std::string out;
  for (const auto& f : fields_) out += f.text;
  out += rest_;
  return out;
}

}  // namespace zest::mail
