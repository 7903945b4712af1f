#include "interp/comparator.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "base/text.hpp"
#include "interp/unicode_casemap.hpp"
#include "interp/wildcard.hpp"

namespace zest::interp {
namespace {

unsigned char fold_none(unsigned char c) {
  return c;
}
unsigned char fold_ascii(unsigned char c) {
  return static_cast<unsigned char>(base::ascii_lower(static_cast<char>(c)));
}

template <unsigned char (*Fold)(unsigned char)>
int compare_folded(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = Fold(static_cast<unsigned char>(a[i]));
    const unsigned char y = Fold(static_cast<unsigned char>(b[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

// i;ascii-numeric: the value of the leading digit run; a string that does
// not start with a digit is positive infinity (RFC 4790 §9.1).
int compare_numeric(std::string_view a, std::string_view b) {
  auto digits = [](std::string_view s) {
    std::size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    std::string_view d = s.substr(0, n);
    const bool inf = n == 0;
    while (d.size() > 1 && d.front() == '0') d.remove_prefix(1);
    return std::pair{inf, d};
  };
  auto [ainf, ad] = digits(a);
  auto [binf, bd] = digits(b);
  if (ainf || binf) return ainf == binf ? 0 : (ainf ? 1 : -1);
  if (ad.size() != bd.size()) return ad.size() < bd.size() ? -1 : 1;
  const int c = ad.compare(bd);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

const Comparator kOctet{"i;octet", true, compare_folded<fold_none>, fold_none};
const Comparator kCasemap{"i;ascii-casemap", true, compare_folded<fold_ascii>, fold_ascii};
const Comparator kNumeric{"i;ascii-numeric", false, compare_numeric, fold_none};

}  // namespace

const Comparator& octet_comparator() {
  return kOctet;
}
const Comparator& ascii_casemap_comparator() {
  return kCasemap;
}
const Comparator& ascii_numeric_comparator() {
  return kNumeric;
}

bool match_is(const Comparator& c, std::string_view value, std::string_view key) {
  return c.compare(value, key) == 0;
}

namespace {

// Whether a[0..n) equals b[0..n) under i;ascii-casemap.
bool equal_casemap(const char* a, const char* b, std::size_t n) {
  for (std::size_t j = 0; j < n; ++j)
    if (base::ascii_lower(a[j]) != base::ascii_lower(b[j])) return false;
  return true;
}

}  // namespace

bool contains_casemap_scalar(std::string_view value, std::string_view key) {
  const std::size_t m = key.size();
  if (m == 0) return true;
  if (m > value.size()) return false;
  unsigned char k[256];
  if (m > sizeof k || value.size() < 64) {
    // Short values (and keys too long for the table): the plain scan.
    for (std::size_t i = 0; i + m <= value.size(); ++i)
      if (equal_casemap(value.data() + i, key.data(), m)) return true;
    return false;
  }
  // Boyer-Moore-Horspool over folded octets, the fold applied as the value
  // is read (no lower-cased copy).
  const auto fold = [](unsigned char c) {
    return static_cast<unsigned char>(base::ascii_lower(static_cast<char>(c)));
  };
  for (std::size_t j = 0; j < m; ++j) k[j] = fold(static_cast<unsigned char>(key[j]));
  std::size_t skip[256];
  for (std::size_t& x : skip) x = m;
  for (std::size_t j = 0; j + 1 < m; ++j) skip[k[j]] = m - 1 - j;
  const auto* v = reinterpret_cast<const unsigned char*>(value.data());
  for (std::size_t i = 0; i + m <= value.size();) {
    const unsigned char lastc = fold(v[i + m - 1]);
    if (lastc == k[m - 1]) {
      std::size_t j = 0;
      while (j + 1 < m && fold(v[i + j]) == k[j]) ++j;
      if (j + 1 >= m) return true;
    }
    i += skip[lastc];
  }
  return false;
}

#if defined(__SSE2__)
// Sixteen candidate positions at a time: a position survives only when
// the value has the key's first octet there and its last octet m - 1
// further on, each in either case; survivors are compared in full. Short
// keys over bodies ("sale", "% off") were where Horspool, whose shifts are
// at most the key's length, spent its time in mispredicted branches.
bool contains_casemap_sse2(std::string_view value, std::string_view key) {
  const std::size_t m = key.size(), n = value.size();
  if (m == 0) return true;
  if (m > n) return false;
  const char* v = value.data();
  const char first = key.front(), last = key.back();
  const __m128i first_lo = _mm_set1_epi8(base::ascii_lower(first));
  const __m128i first_up = _mm_set1_epi8(base::ascii_upper(first));
  const __m128i last_lo = _mm_set1_epi8(base::ascii_lower(last));
  const __m128i last_up = _mm_set1_epi8(base::ascii_upper(last));
  std::size_t i = 0;
  // Both 16-octet loads stay inside the value: i + (m - 1) + 16 <= n.
  for (; n - (m - 1) >= 16 && i <= n - (m - 1) - 16; i += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(v + i));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(v + i + m - 1));
    const __m128i hit =
        _mm_and_si128(_mm_or_si128(_mm_cmpeq_epi8(a, first_lo), _mm_cmpeq_epi8(a, first_up)),
                      _mm_or_si128(_mm_cmpeq_epi8(b, last_lo), _mm_cmpeq_epi8(b, last_up)));
    for (auto mask = static_cast<unsigned>(_mm_movemask_epi8(hit)); mask != 0; mask &= mask - 1)
      if (equal_casemap(v + i + std::countr_zero(mask), key.data(), m)) return true;
  }
  // The last (fewer than 16) positions.
  for (; i + m <= n; ++i)
    if (equal_casemap(v + i, key.data(), m)) return true;
  return false;
}
#endif

bool match_contains(const Comparator& c, std::string_view value, std::string_view key) {
  if (key.empty()) return true;
  if (c.unicode) return unicode_casemap_contains(value, key);  // lengths change when folded
  if (key.size() > value.size()) return false;
  if (&c == &kOctet) return value.find(key) != std::string_view::npos;
  if (&c == &kCasemap) {
#if defined(__SSE2__)
    return contains_casemap_sse2(value, key);
#else
    return contains_casemap_scalar(value, key);
#endif
  }
  const std::size_t last = value.size() - key.size();
  for (std::size_t i = 0; i <= last; ++i) {
    std::size_t j = 0;
    while (j < key.size() && c.fold(static_cast<unsigned char>(value[i + j])) ==
                                 c.fold(static_cast<unsigned char>(key[j])))
      ++j;
    if (j == key.size()) return true;
  }
  return false;
}

namespace {

std::vector<WildcardItem> compile_pattern(std::string_view p) {
  std::vector<WildcardItem> out;
  out.reserve(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char ch = p[i];
    if (ch == '\\' && i + 1 < p.size()) {
      out.push_back({WildcardItem::Literal, static_cast<unsigned char>(p[++i])});
    } else if (ch == '*') {
      // Consecutive stars still each make a group (RFC 5229 §3.2), so keep them.
      out.push_back({WildcardItem::Any, 0});
    } else if (ch == '?') {
      out.push_back({WildcardItem::One, 0});
    } else {
      out.push_back({WildcardItem::Literal, static_cast<unsigned char>(ch)});
    }
  }
  return out;
}

}  // namespace

bool match_wildcard(const Comparator& c, std::string_view value, std::string_view pattern,
                    std::vector<std::string>* groups) {
  if (c.unicode) return unicode_casemap_wildcard(value, pattern, groups);
  const std::vector<WildcardItem> pat = compile_pattern(pattern);
  std::vector<UnitSpan> caps;
  const bool ok = wildcard_match(
      value.size(), pat,
      [&](std::size_t v, std::uint32_t lit) {
        return c.fold(static_cast<unsigned char>(value[v])) ==
               c.fold(static_cast<unsigned char>(lit));
      },
      groups ? &caps : nullptr);
  if (ok && groups) {
    groups->clear();
    groups->emplace_back(value);
    for (const UnitSpan& cap : caps) groups->emplace_back(value.substr(cap.start, cap.len));
  }
  return ok;
}

std::optional<Relation> parse_relation(std::string_view s) {
  const std::string l = base::to_lower(s);
  if (l == "gt") return Relation::Gt;
  if (l == "ge") return Relation::Ge;
  if (l == "lt") return Relation::Lt;
  if (l == "le") return Relation::Le;
  if (l == "eq") return Relation::Eq;
  if (l == "ne") return Relation::Ne;
  return std::nullopt;
}

bool relation_holds(Relation r, int cmp) {
  switch (r) {
    case Relation::Gt:
      return cmp > 0;
    case Relation::Ge:
      return cmp >= 0;
    case Relation::Lt:
      return cmp < 0;
    case Relation::Le:
      return cmp <= 0;
    case Relation::Eq:
      return cmp == 0;
    case Relation::Ne:
      return cmp != 0;
  }
  return false;
}

}  // namespace zest::interp
