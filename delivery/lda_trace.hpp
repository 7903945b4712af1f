// The LDA's input from an MTA that already wrote trace fields: Postfix's
// pipe(8) with flags=DR (docs/postfix.md) and local(8) for mailbox_command
// put `Return-Path:` and `Delivered-To: <recipient>` on top of the message.
// The delivery agent writes both itself, so the LDA drops the MTA's copies
// first: each field appears once in the stored message.
#pragma once

#include <string>
#include <string_view>

namespace zest::delivery {

// `message` without the leading Return-Path: fields and the leading
// Delivered-To: fields naming `rcpt` (ASCII case-insensitive), as found
// before the first other field; X-Original-To: among them is kept, and
// everything from the first other field on is untouched. LF line ends.
std::string drop_mta_trace(std::string_view message, std::string_view rcpt);

}  // namespace zest::delivery
