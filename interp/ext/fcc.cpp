#include "interp/ext/fcc.hpp"

#include <string>

#include "base/utf8.hpp"
#include "interp/ext/action_tags.hpp"

namespace zest::interp::fcc {

std::vector<TagSpec> tags() {
  return {{"fcc", kSlotFcc, ArgKind::String, "mailbox", "fcc"},
          {"flags", kSlotFlags, ArgKind::StringList, "flag list", "imap4flags"},
          {"create", kSlotCreate, ArgKind::None, {}, "mailbox"},
          {"specialuse", kSlotSpecialUse, ArgKind::String, "special-use flag", "special-use"},
          {"mailboxid", kSlotMailboxId, ArgKind::String, "mailbox id", "mailboxid"}};
}

void check(CheckContext& ctx, CheckedCall& call, std::string_view command) {
  // RFC 8580 §4: the mailbox options only qualify :fcc.
  if (!call.find(kSlotFcc))
    for (Slot s : {kSlotFlags, kSlotCreate, kSlotSpecialUse, kSlotMailboxId})
      if (const CheckedArg* o = call.find(s)) {
        ctx.error(o->loc, "the " + std::string(command) +
                              " command's mailbox options require the :fcc tag");
        break;
      }
  if (const CheckedArg* f = call.find(kSlotFcc); f && f->constant() && !base::valid_utf8(f->str()))
    ctx.error(f->loc, "the :fcc mailbox name is not valid UTF-8");
}

std::optional<FccTarget> read(Runtime& rt, const Args& a) {
  auto box = rt.string(a, kSlotFcc);
  if (!box) return std::nullopt;
  FccTarget f;
  f.mailbox = std::move(*box);
  f.flags = canonical_flags(flags_to_store(rt, rt.strings(a, kSlotFlags), "fcc"));
  f.create = a.has(kSlotCreate);
  f.specialuse = rt.string(a, kSlotSpecialUse);
  f.mailboxid = rt.string(a, kSlotMailboxId);
  return f;
}

}  // namespace zest::interp::fcc
