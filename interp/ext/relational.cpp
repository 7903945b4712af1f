// RFC 5231 relational: the :count and :value match types. The compiler
// checks the relation string; Runtime::match compares with the comparator.
#include "interp/registry.hpp"

namespace zest::interp {

void register_relational(Registry& r) {
  r.add_extension({"relational"});
  r.add_group_member(TagGroup::MatchType, {"count", static_cast<std::uint8_t>(MatchType::Count),
                                           "relational", ArgKind::String});
  r.add_group_member(TagGroup::MatchType, {"value", static_cast<std::uint8_t>(MatchType::Value),
                                           "relational", ArgKind::String});
}

}  // namespace zest::interp
