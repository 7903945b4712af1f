// RFC 8580 :fcc and the mailbox options that qualify it (:flags, :create,
// :specialuse, :mailboxid), shared by the commands that send a message on
// the user's behalf: vacation and notify.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "interp/actions.hpp"
#include "interp/checker.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"

namespace zest::interp::fcc {

inline constexpr Slot kSlotFcc = 23;

// The tags to append to a command's TagSpec list.
std::vector<TagSpec> tags();
// Compile-time rules: the options need :fcc, a constant mailbox is UTF-8.
void check(CheckContext& ctx, CheckedCall& call, std::string_view command);
// The run-time target, nullopt without :fcc.
std::optional<FccTarget> read(Runtime& rt, const Args& a);

}  // namespace zest::interp::fcc
