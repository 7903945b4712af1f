// Helpers of the regex extension other extensions use (the variables
// extension's :quoteregex modifier of "set").
#pragma once

#include <string>
#include <string_view>

namespace zest::interp {

// draft-murchison-sieve-regex §4: escapes every character that is special
// in a regular expression, so the result matches `s` literally.
std::string quote_regex(std::string_view s);

}  // namespace zest::interp
