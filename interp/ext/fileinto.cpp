// RFC 5228 §4.1 fileinto.
#include "base/utf8.hpp"
#include "interp/checker.hpp"
#include "interp/ext/action_tags.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"

namespace zest::interp {

void register_fileinto(Registry& r) {
  r.add_extension({"fileinto"});
  CommandSpec s;
  s.name = "fileinto";
  s.extension = "fileinto";
  s.positional = {{"folder", ArgKind::String}};
  s.check = [](CheckContext& ctx, CheckedCall& call) {
    const CheckedArg* m = call.find(0);
    if (m && m->constant() && !base::valid_utf8(m->str()))
      ctx.error(m->loc,
                "mailbox name specified for fileinto command is not utf-8: '" + m->str() + "'");
  };
  s.run = [](Runtime& rt, const Args& a) {
    FileintoAction f;
    f.mailbox = rt.string(*a.find(0));
    if (!base::valid_utf8(f.mailbox)) {
      rt.fail("invalid folder name specified for fileinto command (not utf-8)");
      return;
    }
    f.flags = rt.internal_flags();
    if (const ArgValue* fl = a.find(kSlotFlags)) f.flags = rt.strings(*fl);
    f.flags = canonical_flags(flags_to_store(rt, f.flags, "fileinto"));
    f.copy = a.has(kSlotCopy);
    f.create = a.has(kSlotCreate);
    if (const ArgValue* su = a.find(kSlotSpecialUse)) f.specialuse = rt.string(*su);
    if (const ArgValue* id = a.find(kSlotMailboxId)) f.mailboxid = rt.string(*id);
    rt.check(rt.actions().fileinto(std::move(f)));
  };
  r.add_command(std::move(s));
}

}  // namespace zest::interp
