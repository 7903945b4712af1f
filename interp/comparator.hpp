// Comparators (RFC 4790) and the core match types.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zest::interp {

struct Comparator {
  std::string_view name;
  bool substring;  // supports :contains and :matches
  // Equality and ordering (<0, 0, >0) of two values.
  int (*compare)(std::string_view a, std::string_view b);
  // Folding of one octet for substring and wildcard matching.
  unsigned char (*fold)(unsigned char c);
  // Matches by character, not octet (i;unicode-casemap, interp/unicode_casemap.hpp).
  bool unicode = false;
};

const Comparator& octet_comparator();
const Comparator& ascii_casemap_comparator();
const Comparator& ascii_numeric_comparator();

bool match_is(const Comparator& c, std::string_view value, std::string_view key);
bool match_contains(const Comparator& c, std::string_view value, std::string_view key);
// The i;ascii-casemap substring searches behind match_contains: the SSE2
// one where the target has SSE2 (every x86-64), the portable one
// elsewhere. Both are declared here so the tests check each.
bool contains_casemap_scalar(std::string_view value, std::string_view key);
#if defined(__SSE2__)
bool contains_casemap_sse2(std::string_view value, std::string_view key);
#endif
// :matches with '*' and '?' and '\' escapes. On success, when `groups` is
// given, it receives ${0} (the whole value) then one entry per wildcard.
bool match_wildcard(const Comparator& c, std::string_view value, std::string_view pattern,
                    std::vector<std::string>* groups);

// Relational operators of RFC 5231: "gt", "ge", "lt", "le", "eq", "ne".
enum class Relation { Gt, Ge, Lt, Le, Eq, Ne };
std::optional<Relation> parse_relation(std::string_view s);
bool relation_holds(Relation r, int cmp);

}  // namespace zest::interp
