// RFC 5233 subaddress: the :user and :detail address parts (split at the
// first of the `recipient_delimiter` characters, see address_part.cpp).
#include "interp/registry.hpp"

namespace zest::interp {

void register_subaddress(Registry& r) {
  r.add_extension({"subaddress"});
  r.add_group_member(TagGroup::AddressPart,
                     {"user", static_cast<std::uint8_t>(AddressPart::User), "subaddress"});
  r.add_group_member(TagGroup::AddressPart,
                     {"detail", static_cast<std::uint8_t>(AddressPart::Detail), "subaddress"});
}

}  // namespace zest::interp
