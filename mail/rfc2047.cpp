#include "mail/rfc2047.hpp"

#include <iconv.h>

#include <cerrno>
#include <optional>

#include "base/base64.hpp"
#include "base/hex.hpp"
#include "base/text.hpp"
#include "base/utf8.hpp"

namespace zest::mail {
namespace {

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
  return base::iequals(cs, "utf-8") || base::iequals(cs, "utf8");
}

bool is_ascii_name(std::string_view cs) {
  return base::iequals(cs, "us-ascii") || base::iequals(cs, "ascii") ||
         base::iequals(cs, "ansi_x3.4-1968");
}

// Charset conversion; nullopt when the charset is unknown to iconv.
std::optional<std::string> convert(std::string_view bytes, std::string_view charset) {
  // RFC 2231 allows "charset*language" in encoded-words.
  charset = charset.substr(0, charset.find('*'));
  if (charset.empty() || is_utf8_name(charset)) return base::replace_invalid_utf8(bytes);
  if (is_ascii_name(charset)) {
    std::size_t high = 0;  // each becomes the three octets of U+FFFD
    for (char c : bytes) high += static_cast<unsigned char>(c) >= 0x80;
    std::string out;
    out.reserve(bytes.size() + high * (base::kReplacementChar.size() - 1));
    std::size_t run = 0;  // ASCII runs are copied whole
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      if (static_cast<unsigned char>(bytes[i]) < 0x80) continue;
      out.append(bytes.substr(run, i - run)).append(base::kReplacementChar);
      run = i + 1;
    }
    out.append(bytes.substr(run));
    return out;
  }
  std::string name(charset);
  IconvHandle handle("UTF-8", name.c_str());
  if (!handle.ok()) return std::nullopt;

  std::string out;
  out.reserve(bytes.size() * 2 + 16);
  // iconv(3) takes a non-const input pointer but only reads through it:
  // no copy of what may be most of a large message.
  char* inp = const_cast<char*>(bytes.data());
  std::size_t inleft = bytes.size();
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
    out.append(base::kReplacementChar);
    ++inp;
    --inleft;
    iconv(handle.cd, nullptr, nullptr, nullptr, nullptr);  // reset state
    if (inleft == 0) break;
  }
  // iconv's output should be valid UTF-8, but be defensive (and copy only
  // when it is not).
  if (!base::valid_utf8(out)) return base::replace_invalid_utf8(out);
  return out;
}

// Q encoding (RFC 2047 §4.2): "_" is a space, "=XX" an octet; a "=" without
// two hex digits stays as it is.
std::string decode_q(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int hi = i + 2 < text.size() ? base::hex_value(text[i + 1]) : -1;
    const int lo = hi >= 0 ? base::hex_value(text[i + 2]) : -1;
    if (text[i] == '_') {
      out.push_back(' ');
    } else if (text[i] == '=' && lo >= 0) {
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(text[i]);
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
  const char enc = base::ascii_lower(s[q1 + 1]);
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
  w.bytes = enc == 'b' ? base::base64_decode_lenient(text) : decode_q(text);
  return w;
}

}  // namespace

std::optional<std::string> to_utf8_if_changed(std::string_view bytes, std::string_view charset) {
  const std::string_view name = charset.substr(0, charset.find('*'));
  // Text that is already what the conversion would give is not copied:
  // UTF-8 (or unlabelled) text that is valid, ASCII text that is ASCII.
  if (name.empty() || is_utf8_name(name)) {
    if (base::valid_utf8(bytes)) return std::nullopt;
  } else if (is_ascii_name(name) && base::is_ascii(bytes)) {
    return std::nullopt;
  }
  std::optional<std::string> converted = convert(bytes, charset);
  if (converted) return converted;
  // Unknown charset: the bytes as UTF-8, repaired where they are not.
  if (base::valid_utf8(bytes)) return std::nullopt;
  return base::replace_invalid_utf8(bytes);
}

std::string to_utf8(std::string_view bytes, std::string_view charset) {
  std::optional<std::string> converted = to_utf8_if_changed(bytes, charset);
  return converted ? std::move(*converted) : std::string(bytes);
}

std::string decode_rfc2047(std::string_view text) {
  // Fast path: nothing to decode.
  if (text.find("=?") == std::string_view::npos) return base::replace_invalid_utf8(text);

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
    out.append(conv ? *conv : base::replace_invalid_utf8(pending));
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
    const bool only_space = base::trim(gap, " \t\r\n").empty();
    if (!(prev_encoded && only_space)) {
      flush();
      out.append(base::replace_invalid_utf8(gap));
    }
    if (!pending.empty() && !base::iequals(pending_charset, charset_only)) flush();
    pending_charset = charset_only;
    pending.append(word->bytes);
    prev_encoded = true;
    pos = scan = word->end;
  }
  flush();
  out.append(base::replace_invalid_utf8(text.substr(pos)));
  return out;
}

}  // namespace zest::mail
