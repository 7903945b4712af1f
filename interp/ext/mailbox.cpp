// RFC 5490 §3 mailbox: the `mailboxexists` test and fileinto :create.
#include "base/utf8.hpp"
#include "interp/checker.hpp"
#include "interp/ext/action_tags.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"

namespace zest::interp {

void register_mailbox(Registry& r) {
  r.add_extension({"mailbox"});
  if (CommandSpec* f = r.mutable_command("fileinto", false))
    f->tags.push_back({"create", kSlotCreate, ArgKind::None, {}, "mailbox"});
  CommandSpec s;
  s.name = "mailboxexists";
  s.is_test = true;
  s.extension = "mailbox";
  s.positional = {{"mailbox names", ArgKind::StringList}};
  s.check = [](CheckContext& ctx, CheckedCall& call) {
    const CheckedArg* names = call.find(0);
    for (std::size_t i = 0; names && i < names->strings.size(); ++i)
      if (!names->templates[i] && !base::valid_utf8(names->strings[i]))
        ctx.warning(names->loc, "mailbox name '" + names->strings[i] +
                                    "' specified for the mailboxexists test is not utf-8 "
                                    "(it never exists)");
  };
  s.test = [](Runtime& rt, const Args& a) {
    // True only when every named mailbox exists (RFC 5490 §3.1).
    for (const auto& name : rt.strings(a, 0))
      if (!base::valid_utf8(name) || !rt.host().mailbox_exists(name)) return false;
    return true;
  };
  r.add_command(std::move(s));
}

}  // namespace zest::interp
