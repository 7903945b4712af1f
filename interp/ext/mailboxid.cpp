// RFC 9042 mailboxid: fileinto :mailboxid and the mailboxidexists test.
// Mailbox object ids are the host's (IMAP OBJECTID, RFC 8474).
#include "interp/checker.hpp"
#include "interp/ext/action_tags.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"

namespace zest::interp {
namespace {

// RFC 8474 §4: objectid = 1*255(ALPHA / DIGIT / "_" / "-").
bool valid_object_id(std::string_view id) {
  if (id.empty() || id.size() > 255) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-'))
      return false;
  return true;
}

}  // namespace

void register_mailboxid(Registry& r) {
  r.add_extension({"mailboxid"});
  if (CommandSpec* f = r.mutable_command("fileinto", false)) {
    f->tags.push_back({"mailboxid", kSlotMailboxId, ArgKind::String, "mailbox id", "mailboxid"});
    CheckHook inner = f->check;
    f->check = [inner](CheckContext& ctx, CheckedCall& call) {
      if (inner) inner(ctx, call);
      if (const CheckedArg* id = call.find(kSlotMailboxId);
          id && id->constant() && !valid_object_id(id->str()))
        ctx.error(id->loc, "invalid mailbox id '" + id->str() + "' for the fileinto command");
    };
  }
  CommandSpec s;
  s.name = "mailboxidexists";
  s.is_test = true;
  s.extension = "mailboxid";
  s.positional = {{"mailbox object ids", ArgKind::StringList}};
  s.test = [](Runtime& rt, const Args& a) {
    for (const auto& id : rt.strings(a, 0))
      if (!valid_object_id(id) || !rt.host().mailboxid_exists(id)) return false;
    return true;
  };
  r.add_command(std::move(s));
}

}  // namespace zest::interp
