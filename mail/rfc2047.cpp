#include "mail/rfc2047.hpp"

#include <iconv.h>

#include <cerrno>
#include <optional>

#include "mail/text_util.hpp"

namespace zest::mail {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence at s[i], or 0 when invalid.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  }
  return len;
}

struct IconvHandle {
  iconv_t cd;
  explicit IconvHandle(const char* to, const char* from) : cd(iconv_open(to, from)) {}
  ~IconvHandle() {
    if (ok()) iconv_close(cd);
  }
  IconvHandle(const IconvHandle&) = delete;
  IconvHandle& operator=(const IconvHandle&) = delete;
  bool ok() const { return cd != reinterpret_cast<iconv_t>(-1); }
};

bool is_utf8_name(std::string_view cs) {
  return iequals_ascii(cs, "utf-8") || iequals_ascii(cs, "utf8");
}

bool is_ascii_name(std::string_view cs) {
  return iequals_ascii(cs, "us-ascii") || iequals_ascii(cs, "ascii") ||
         iequals_ascii(cs, "ansi_x3.4-1968");
}

// Charset conversion; nullopt when the charset is unknown to iconv.
std::optional<std::string> convert(std::string_view bytes, std::string_view charset) {
  // RFC 2231 allows "charset*language" in encoded-words.
  charset = charset.substr(0, charset.find('*'));
  if (charset.empty() || is_utf8_name(charset)) return sanitize_utf8(bytes);
  if (is_ascii_name(charset)) {
    std::string out;
    out.reserve(bytes.size());
    for (char c : bytes) {
      if (static_cast<unsigned char>(c) < 0x80) {
        out.push_back(c);
      } else {
        out.append(kReplacement);
      }
    }
    return out;
  }
  std::string name(charset);
  IconvHandle handle("UTF-8", name.c_str());
  if (!handle.ok()) return std::nullopt;

  std::string out;
  out.reserve(bytes.size() * 2 + 16);
  std::string in(bytes);
  char* inp = in.data();
  std::size_t inleft = in.size();
  char buf[4096];
  while (true) {
    char* outp = buf;
    std::size_t outleft = sizeof buf;
    const std::size_t rc = iconv(handle.cd, inleft > 0 ? &inp : nullptr, &inleft, &outp, &outleft);
    out.append(buf, static_cast<std::size_t>(outp - buf));
    if (rc != static_cast<std::size_t>(-1)) {
      if (inleft == 0) {
        // Flush any shift state.
        outp = buf;
        outleft = sizeof buf;
        iconv(handle.cd, nullptr, nullptr, &outp, &outleft);
        out.append(buf, static_cast<std::size_t>(outp - buf));
        break;
      }
      continue;
    }
    if (errno == E2BIG) continue;
    // EILSEQ / EINVAL: replace the offending byte and go on.
    out.append(kReplacement);
    ++inp;
    --inleft;
    iconv(handle.cd, nullptr, nullptr, nullptr, nullptr);  // reset state
    if (inleft == 0) break;
  }
  // iconv's output should be valid UTF-8, but be defensive.
  return sanitize_utf8(out);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Lenient: skips non-alphabet characters and stops at padding.
std::string decode_base64(std::string_view text) {
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    const int v = base64_value(c);
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::string decode_q(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_') {
      out.push_back(' ');
    } else if (c == '=' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

struct EncodedWord {
  std::size_t begin = 0, end = 0;  // extent in the input
  std::string_view charset;
  std::string bytes;  // transfer-decoded, still in `charset`
};

// Parses "=?charset?X?text?=" starting at s[pos] (which is '=').
std::optional<EncodedWord> parse_encoded_word(std::string_view s, std::size_t pos) {
  if (s.compare(pos, 2, "=?") != 0) return std::nullopt;
  std::size_t p = pos + 2;
  const std::size_t q1 = s.find('?', p);
  if (q1 == std::string_view::npos || q1 == p) return std::nullopt;
  std::string_view charset = s.substr(p, q1 - p);
  for (char c : charset) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '=') return std::nullopt;
  }
  if (q1 + 2 >= s.size() || s[q1 + 2] != '?') return std::nullopt;
  const char enc = ascii_lower(s[q1 + 1]);
  if (enc != 'b' && enc != 'q') return std::nullopt;
  const std::size_t text_begin = q1 + 3;
  const std::size_t close = s.find("?=", text_begin);
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view text = s.substr(text_begin, close - text_begin);
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return std::nullopt;
  }
  EncodedWord w;
  w.begin = pos;
  w.end = close + 2;
  w.charset = charset;
  w.bytes = enc == 'b' ? decode_base64(text) : decode_q(text);
  return w;
}

}  // namespace

std::string sanitize_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  while (i < bytes.size()) {
    const std::size_t len = utf8_sequence_length(bytes, i);
    if (len == 0) {
      out.append(kReplacement);
      ++i;
    } else {
      out.append(bytes.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string to_utf8(std::string_view bytes, std::string_view charset) {
  std::optional<std::string> converted = convert(bytes, charset);
  return converted ? std::move(*converted) : sanitize_utf8(bytes);
}

std::string decode_rfc2047(std::string_view text) {
  // Fast path: nothing to decode.
  if (text.find("=?") == std::string_view::npos) return sanitize_utf8(text);

  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;   // start of text not yet emitted
  std::size_t scan = 0;  // where to look for the next "=?"
  bool prev_encoded = false;
  // Consecutive words in one charset are converted together so a multibyte
  // character split across words survives.
  std::string pending;
  std::string_view pending_charset;

  auto flush = [&] {
    if (pending_charset.empty() && pending.empty()) return;
    std::optional<std::string> conv = convert(pending, pending_charset);
    out.append(conv ? *conv : sanitize_utf8(pending));
    pending.clear();
    pending_charset = {};
  };

  while (true) {
    const std::size_t at = text.find("=?", scan);
    if (at == std::string_view::npos) break;
    std::optional<EncodedWord> word = parse_encoded_word(text, at);
    if (!word) {
      scan = at + 1;
      continue;
    }
    std::string_view charset_only = word->charset.substr(0, word->charset.find('*'));
    std::string name(charset_only);
    const bool known = is_utf8_name(charset_only) || is_ascii_name(charset_only) ||
                       IconvHandle("UTF-8", name.c_str()).ok();
    if (!known) {  // undecodable: keep the raw word as text
      scan = word->end;
      continue;
    }
    std::string_view gap = text.substr(pos, at - pos);
    const bool only_space = trim_whitespace(gap).empty();
    if (!(prev_encoded && only_space)) {
      flush();
      out.append(sanitize_utf8(gap));
    }
    if (!pending.empty() && !iequals_ascii(pending_charset, charset_only)) flush();
    pending_charset = charset_only;
    pending.append(word->bytes);
    prev_encoded = true;
    pos = scan = word->end;
  }
  flush();
  out.append(sanitize_utf8(text.substr(pos)));
  return out;
}

}  // namespace zest::mail
