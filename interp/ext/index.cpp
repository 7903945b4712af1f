// RFC 5260 §6 index: the :index and :last tags on header, address and date.
// The tests themselves apply them through select_index() (index.hpp).
#include "interp/ext/index.hpp"
#include "interp/checker.hpp"
#include "interp/registry.hpp"

namespace zest::interp {

void register_index(Registry& r) {
  r.add_extension({"index"});
  for (const char* name : {"header", "address", "date"}) {
    CommandSpec* s = r.mutable_command(name, true);
    if (!s) continue;
    s->tags.push_back({"index", kSlotIndex, ArgKind::Number, "field number", "index"});
    s->tags.push_back({"last", kSlotLast, ArgKind::None, {}, "index"});
    s->check = [prev = s->check](CheckContext& ctx, CheckedCall& call) {
      if (prev) prev(ctx, call);
      const CheckedArg* idx = call.find(kSlotIndex);
      if (const CheckedArg* last = call.find(kSlotLast); last && !idx)
        ctx.error(last->loc, "the :last tag for " + call.what() +
                                 " requires the :index tag to be specified as well");
      if (idx && idx->number == 0)
        ctx.error(idx->loc,
                  "the :index tag for " + call.what() + " requires a field number greater than 0");
    };
  }
}

}  // namespace zest::interp
