// RFC 5429 reject and ereject. The conflicts they imply (with keep,
// fileinto, redirect and vacation, and with each other) are applied by
// ActionList as actions are added.
#include "base/utf8.hpp"
#include "interp/checker.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"

namespace zest::interp {

void register_reject(Registry& r) {
  for (const char* name : {"reject", "ereject"}) {
    r.add_extension({name});
    CommandSpec s;
    s.name = name;
    s.extension = name;
    s.positional = {{"reason", ArgKind::String}};
    s.check = [](CheckContext& ctx, CheckedCall& call) {
      const CheckedArg* m = call.find(0);
      if (m && m->constant() && !base::valid_utf8(m->str()))
        ctx.error(m->loc, call.what() + ": reason is not valid UTF-8");
    };
    const bool ereject = std::string_view(name) == "ereject";
    s.run = [ereject](Runtime& rt, const Args& a) {
      std::string reason = rt.string(*a.find(0));
      // RFC 5429 §2.1: the reason must be UTF-8 (a variable may break that).
      if (!base::valid_utf8(reason)) {
        rt.fail(std::string(ereject ? "ereject" : "reject") + ": reason is not valid UTF-8");
        return;
      }
      rt.check(rt.actions().reject({std::move(reason), ereject}));
    };
    r.add_command(std::move(s));
  }
}

}  // namespace zest::interp
