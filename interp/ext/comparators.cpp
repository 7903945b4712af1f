// RFC 4790 comparators: i;octet, i;ascii-casemap and (as in Pigeonhole 2.4)
// RFC 5051's i;unicode-casemap are always available; i;ascii-numeric needs
// "comparator-i;ascii-numeric".
#include "interp/comparator.hpp"
#include "interp/registry.hpp"
#include "interp/unicode_casemap.hpp"

namespace zest::interp {

void register_comparators(Registry& r) {
  r.add_comparator("i;octet", "", &octet_comparator());
  r.add_comparator("i;ascii-casemap", "", &ascii_casemap_comparator());
  r.add_extension({"comparator-i;octet"});
  r.add_extension({"comparator-i;ascii-casemap"});
  r.add_extension({"comparator-i;ascii-numeric"});
  r.add_comparator("i;ascii-numeric", "comparator-i;ascii-numeric", &ascii_numeric_comparator());
  r.add_extension({"comparator-i;unicode-casemap"});
  r.add_comparator("i;unicode-casemap", "", &unicode_casemap_comparator());
}

}  // namespace zest::interp
