// The i;unicode-casemap comparator of RFC 5051 (over ICU): strings are
// compared after each character is mapped to its titlecase and the result is
// decomposed with NFKD. Octets that are not valid UTF-8 stay distinct units
// that equal only themselves.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace zest::interp {

struct Comparator;

const Comparator& unicode_casemap_comparator();

// RFC 5051 canonical form as code points (invalid octets map above U+10FFFF).
std::u32string unicode_casemap_canonical(std::string_view s);

bool unicode_casemap_contains(std::string_view value, std::string_view key);
// :matches with '*', '?' and '\' escapes; '?' is one character (a base with
// its combining marks). Groups, when given, are substrings of `value`.
bool unicode_casemap_wildcard(std::string_view value, std::string_view pattern,
                              std::vector<std::string>* groups);

}  // namespace zest::interp
