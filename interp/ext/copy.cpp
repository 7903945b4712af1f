// RFC 3894 copy: :copy on redirect and fileinto keeps the implicit keep
// (ActionList honours the flag).
#include "interp/ext/action_tags.hpp"
#include "interp/registry.hpp"

namespace zest::interp {

void register_copy(Registry& r) {
  r.add_extension({"copy"});
  for (const char* name : {"redirect", "fileinto"})
    if (CommandSpec* s = r.mutable_command(name, false))
      s->tags.push_back({"copy", kSlotCopy, ArgKind::None, {}, "copy"});
}

}  // namespace zest::interp
