// The :matches algorithm over abstract units (octets, or characters for
// i;unicode-casemap): backtracking to the most recent '*' only, which is
// O(n*m) and never exponential. Each '*' first takes as little as possible,
// giving the non-greedy groups RFC 5229 asks for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace zest::interp {

// A pattern element: a literal (an octet or the index of a unit, as the
// caller defines), '?' or '*'.
struct WildcardItem {
  enum Kind : unsigned char { Literal, One, Any } kind;
  std::uint32_t lit = 0;
};

// A captured run of value units, one per '?' and '*' in pattern order.
struct UnitSpan {
  std::size_t start = 0, len = 0;
};

// Matches a value of `n` units; `eq(v, lit)` says whether unit v equals
// the literal `lit`. On success `caps` (if given) holds the captures.
template <class Eq>
bool wildcard_match(std::size_t n, std::span<const WildcardItem> pat, Eq eq,
                    std::vector<UnitSpan>* caps_out) {
  std::vector<UnitSpan> caps;
  std::vector<std::size_t> cap_of(pat.size(), 0);
  for (std::size_t i = 0; i < pat.size(); ++i)
    if (pat[i].kind != WildcardItem::Literal) {
      cap_of[i] = caps.size();
      caps.push_back({});
    }
  std::size_t p = 0, v = 0;
  std::size_t star_p = SIZE_MAX, star_v = 0;
  while (v < n) {
    if (p < pat.size()) {
      const WildcardItem& it = pat[p];
      if (it.kind == WildcardItem::Any) {
        star_p = p;
        star_v = v;
        caps[cap_of[p]] = {v, 0};
        ++p;
        continue;
      }
      if (it.kind == WildcardItem::One) {
        caps[cap_of[p]] = {v, 1};
        ++p;
        ++v;
        continue;
      }
      if (eq(v, it.lit)) {
        ++p;
        ++v;
        continue;
      }
    }
    if (star_p == SIZE_MAX) return false;
    // Let the last star take one more unit and retry from after it.
    ++star_v;
    caps[cap_of[star_p]].len = star_v - caps[cap_of[star_p]].start;
    p = star_p + 1;
    v = star_v;
  }
  while (p < pat.size() && pat[p].kind == WildcardItem::Any) {
    caps[cap_of[p]] = {v, 0};
    ++p;
  }
  if (p != pat.size()) return false;
  if (caps_out) *caps_out = std::move(caps);
  return true;
}

}  // namespace zest::interp
