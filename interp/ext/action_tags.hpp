// Tags that one extension adds to the commands of others: keep, fileinto,
// redirect and the :fcc option of vacation and notify. The extension named
// registers its tag; the commands read it. Fixed numbers of the binary
// format (see registry.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "interp/actions.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"

namespace zest::interp {

inline constexpr Slot kSlotFlags = 207;       // :flags (imap4flags) on keep, fileinto, :fcc
inline constexpr Slot kSlotCopy = 208;        // :copy (copy) on fileinto, redirect
inline constexpr Slot kSlotCreate = 209;      // :create (mailbox) on fileinto, :fcc
inline constexpr Slot kSlotSpecialUse = 210;  // :specialuse (special-use) on fileinto, :fcc
inline constexpr Slot kSlotMailboxId = 211;   // :mailboxid (mailboxid, RFC 9042) on fileinto, :fcc
inline constexpr Slot kSlotList = 212;        // :list (extlists, RFC 6134) on redirect

// The flags a command is about to store, split at spaces: invalid ones
// (valid_flag) are left out with a warning, as Pigeonhole does.
inline std::vector<std::string> flags_to_store(Runtime& rt, const std::vector<std::string>& strings,
                                               std::string_view command) {
  std::string bad;
  std::vector<std::string> out = split_valid_flags(strings, &bad);
  if (!bad.empty())
    rt.log(LogLevel::Warning, std::string(command) + " command: IMAP flag '" + bad +
                                  "' is invalid and is ignored (only the first is reported)");
  return out;
}

}  // namespace zest::interp
