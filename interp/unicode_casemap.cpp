#include "interp/unicode_casemap.hpp"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cstdint>

#include "interp/comparator.hpp"
#include "interp/wildcard.hpp"

namespace zest::interp {
namespace {

// Units for octets that are not UTF-8: above every code point, one per octet.
constexpr char32_t kInvalidBase = 0x110000;

// One decoded character (or invalid octet) and where it starts in the input.
struct Decoded {
  char32_t cp;
  std::size_t offset;
};

std::vector<Decoded> decode(std::string_view s) {
  std::vector<Decoded> out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const auto n = static_cast<std::int32_t>(s.size());
  for (std::int32_t i = 0; i < n;) {
    const std::int32_t start = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    out.push_back({c < 0 ? kInvalidBase + p[start] : static_cast<char32_t>(c),
                   static_cast<std::size_t>(start)});
    if (c < 0) i = start + 1;  // one unit per bad octet
  }
  return out;
}

const UNormalizer2* nfkd() {
  UErrorCode err = U_ZERO_ERROR;
  const UNormalizer2* n = unorm2_getNFKDInstance(&err);
  return U_SUCCESS(err) ? n : nullptr;
}

// Titlecase, then the NFKD decomposition of that one character.
void fold_into(char32_t cp, std::u32string& out) {
  if (cp >= kInvalidBase) {
    out.push_back(cp);
    return;
  }
  if (cp < 0x80) {  // ASCII: titlecase is uppercase, nothing decomposes
    out.push_back(cp >= 'a' && cp <= 'z' ? cp - 0x20 : cp);
    return;
  }
  const auto t = static_cast<UChar32>(u_totitle(static_cast<UChar32>(cp)));
  const UNormalizer2* n = nfkd();
  UChar buf[64];
  UErrorCode err = U_ZERO_ERROR;
  std::int32_t len = 0;
  if (n) {
    UChar src[2];
    std::int32_t sl = 0;
    U16_APPEND_UNSAFE(src, sl, t);
    len = unorm2_normalize(n, src, sl, buf, 64, &err);
  }
  if (!n || U_FAILURE(err)) {
    out.push_back(static_cast<char32_t>(t));
    return;
  }
  for (std::int32_t i = 0; i < len;) {
    UChar32 c;
    U16_NEXT(buf, i, len, c);
    out.push_back(static_cast<char32_t>(c));
  }
}

bool combining(char32_t cp) {
  return cp < kInvalidBase && u_getCombiningClass(static_cast<UChar32>(cp)) != 0;
}

// The folded form of a string split into characters: a base code point with
// the combining marks after it. `origin[i]` is the input offset of unit i.
struct Units {
  std::u32string text;              // folded code points
  std::vector<std::size_t> starts;  // unit i is text[starts[i], starts[i+1])
  std::vector<std::size_t> origin;

  std::size_t size() const { return starts.size(); }
  std::u32string_view unit(std::size_t i) const {
    const std::size_t end = i + 1 < starts.size() ? starts[i + 1] : text.size();
    return std::u32string_view(text).substr(starts[i], end - starts[i]);
  }
  void append(char32_t cp, std::size_t offset) {
    const std::size_t from = text.size();
    fold_into(cp, text);
    for (std::size_t k = from; k < text.size(); ++k)
      if (starts.empty() || !combining(text[k])) {
        starts.push_back(k);
        origin.push_back(offset);
      }
  }
};

int compare_casemap(std::string_view a, std::string_view b) {
  const std::u32string x = unicode_casemap_canonical(a), y = unicode_casemap_canonical(b);
  const int c = x.compare(y);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

unsigned char fold_none(unsigned char c) {
  return c;
}

const Comparator kUnicodeCasemap{"i;unicode-casemap", true, compare_casemap, fold_none, true};

}  // namespace

const Comparator& unicode_casemap_comparator() {
  return kUnicodeCasemap;
}

std::u32string unicode_casemap_canonical(std::string_view s) {
  std::u32string titled;
  titled.reserve(s.size());
  for (const Decoded& d : decode(s))
    titled.push_back(d.cp < kInvalidBase && d.cp >= 0x80
                         ? static_cast<char32_t>(u_totitle(static_cast<UChar32>(d.cp)))
                         : (d.cp >= 'a' && d.cp <= 'z' ? d.cp - 0x20 : d.cp));
  // NFKD of the whole titlecased string (canonical ordering of marks
  // included); invalid octets are kept apart and pass through.
  std::u32string out;
  out.reserve(titled.size());
  std::u32string run;
  auto flush = [&] {
    if (run.empty()) return;
    std::u16string u16;
    for (char32_t c : run) {
      UChar b[2];
      std::int32_t l = 0;
      U16_APPEND_UNSAFE(b, l, static_cast<UChar32>(c));
      u16.append(reinterpret_cast<const char16_t*>(b), static_cast<std::size_t>(l));
    }
    const UNormalizer2* n = nfkd();
    UErrorCode err = U_ZERO_ERROR;
    const auto* src = reinterpret_cast<const UChar*>(u16.data());
    const auto sl = static_cast<std::int32_t>(u16.size());
    std::int32_t need = n ? unorm2_normalize(n, src, sl, nullptr, 0, &err) : -1;
    std::u16string norm;
    if (n && (err == U_BUFFER_OVERFLOW_ERROR || U_SUCCESS(err)) && need >= 0) {
      err = U_ZERO_ERROR;
      norm.resize(static_cast<std::size_t>(need));
      unorm2_normalize(n, src, sl, reinterpret_cast<UChar*>(norm.data()), need, &err);
    }
    if (!n || U_FAILURE(err)) {
      out += run;  // no normalizer: titlecase only
    } else {
      const auto* b = reinterpret_cast<const UChar*>(norm.data());
      const auto len = static_cast<std::int32_t>(norm.size());
      for (std::int32_t i = 0; i < len;) {
        UChar32 c;
        U16_NEXT(b, i, len, c);
        out.push_back(static_cast<char32_t>(c));
      }
    }
    run.clear();
  };
  for (char32_t c : titled) {
    if (c >= kInvalidBase) {
      flush();
      out.push_back(c);
    } else {
      run.push_back(c);
    }
  }
  flush();
  return out;
}

bool unicode_casemap_contains(std::string_view value, std::string_view key) {
  if (key.empty()) return true;
  const std::u32string k = unicode_casemap_canonical(key);
  return unicode_casemap_canonical(value).find(k) != std::u32string::npos;
}

bool unicode_casemap_wildcard(std::string_view value, std::string_view pattern,
                              std::vector<std::string>* groups) {
  // The pattern: runs of literal characters (escapes resolved) are folded
  // together, so that a base and its marks stay one unit.
  std::vector<WildcardItem> pat;
  Units lits;
  std::vector<Decoded> run;
  auto flush = [&] {
    const std::size_t first = lits.size();
    for (const Decoded& d : run) lits.append(d.cp, d.offset);
    for (std::size_t i = first; i < lits.size(); ++i)
      pat.push_back({WildcardItem::Literal, static_cast<std::uint32_t>(i)});
    run.clear();
  };
  const std::vector<Decoded> p = decode(pattern);
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i].cp == '\\' && i + 1 < p.size()) {
      run.push_back(p[++i]);
    } else if (p[i].cp == '*' || p[i].cp == '?') {
      flush();
      pat.push_back({p[i].cp == '*' ? WildcardItem::Any : WildcardItem::One, 0});
    } else {
      run.push_back(p[i]);
    }
  }
  flush();

  Units val;
  for (const Decoded& d : decode(value)) val.append(d.cp, d.offset);
  std::vector<UnitSpan> caps;
  const bool ok = wildcard_match(
      val.size(), pat,
      [&](std::size_t v, std::uint32_t lit) { return val.unit(v) == lits.unit(lit); },
      groups ? &caps : nullptr);
  if (ok && groups) {
    auto offset = [&](std::size_t u) { return u < val.size() ? val.origin[u] : value.size(); };
    groups->clear();
    groups->emplace_back(value);
    for (const UnitSpan& cap : caps) {
      const std::size_t from = offset(cap.start), to = std::max(from, offset(cap.start + cap.len));
      groups->emplace_back(value.substr(from, to - from));
    }
  }
  return ok;
}

}  // namespace zest::interp
