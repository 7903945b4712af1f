// Tags that one extension adds to the commands of others: keep, fileinto,
// redirect and the :fcc option of vacation and notify. The extension named
// registers its tag; the commands read it. Fixed numbers of the binary
// format (see registry.hpp).
#pragma once

#include "interp/registry.hpp"

namespace zest::interp {

inline constexpr Slot kSlotFlags = 207;       // :flags (imap4flags) on keep, fileinto, :fcc
inline constexpr Slot kSlotCopy = 208;        // :copy (copy) on fileinto, redirect
inline constexpr Slot kSlotCreate = 209;      // :create (mailbox) on fileinto, :fcc
inline constexpr Slot kSlotSpecialUse = 210;  // :specialuse (special-use) on fileinto, :fcc
inline constexpr Slot kSlotMailboxId = 211;   // :mailboxid (mailboxid, RFC 9042) on fileinto, :fcc

}  // namespace zest::interp
