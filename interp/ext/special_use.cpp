// RFC 8579 special-use: fileinto :specialuse and the specialuse_exists test.
// Which mailboxes carry which attribute is the host's knowledge.
#include <optional>
#include <string>
#include <string_view>

#include "base/utf8.hpp"
#include "interp/checker.hpp"
#include "interp/ext/action_tags.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"

namespace zest::interp {
namespace {

// RFC 6154: a special-use attribute is "\" followed by an IMAP atom.
bool valid_special_use(std::string_view f) {
  if (f.size() < 2 || f[0] != '\\') return false;
  for (unsigned char c : f.substr(1))
    if (c <= ' ' || c >= 127 ||
        std::string_view("(){%*\"\\]").find(static_cast<char>(c)) != std::string_view::npos)
      return false;
  return true;
}

void check_flags(CheckContext& ctx, const CheckedArg* flags, const std::string& what) {
  for (std::size_t i = 0; flags && i < flags->strings.size(); ++i)
    if (!flags->templates[i] && !valid_special_use(flags->strings[i]))
      ctx.error(flags->loc, what + ": invalid special-use flag '" + flags->strings[i] + "'");
}

}  // namespace

void register_special_use(Registry& r) {
  r.add_extension({"special-use"});
  {
    CommandSpec s;
    s.name = "specialuse_exists";
    s.is_test = true;
    s.extension = "special-use";
    s.positional = {{"mailbox", ArgKind::String}, {"special-use flags", ArgKind::StringList}};
    s.optional_leading = 1;
    s.check = [](CheckContext& ctx, CheckedCall& call) {
      check_flags(ctx, call.find(1), call.what());
      const CheckedArg* m = call.find(0);
      if (m && m->constant() && !base::valid_utf8(m->str()))
        ctx.warning(m->loc, call.what() + ": mailbox name is not valid UTF-8 (it never matches)");
    };
    s.test = [](Runtime& rt, const Args& a) {
      std::optional<std::string> mailbox;
      if (const ArgValue* m = a.find(0)) {
        mailbox = rt.string(*m);
        // Not an error (RFC 8579 §2.3): such a mailbox cannot exist.
        if (!base::valid_utf8(*mailbox)) return false;
      }
      for (const auto& f : rt.strings(a, 1)) {
        if (!valid_special_use(f)) return false;
        const std::optional<std::string_view> box =
            mailbox ? std::optional<std::string_view>(*mailbox) : std::nullopt;
        if (!rt.host().special_use_exists(box, f)) return false;
      }
      return true;
    };
    r.add_command(std::move(s));
  }
  // :specialuse on fileinto (the fileinto handler copies it into the action).
  if (CommandSpec* f = r.mutable_command("fileinto", false)) {
    f->tags.push_back(
        {"specialuse", kSlotSpecialUse, ArgKind::String, "special-use flag", "special-use"});
    f->check = [prev = f->check](CheckContext& ctx, CheckedCall& call) {
      if (prev) prev(ctx, call);
      if (const CheckedArg* su = call.find(kSlotSpecialUse); su && su->constant())
        check_flags(ctx, su, call.what());
    };
    // A flag from a variable is checked before fileinto adds its action.
    f->run = [prev = f->run](Runtime& rt, const Args& a) {
      if (const ArgValue* su = a.find(kSlotSpecialUse)) {
        const std::string flag = rt.string(*su);
        if (!valid_special_use(flag)) {
          rt.fail("fileinto :specialuse: invalid special-use flag '" + flag + "'");
          return;
        }
      }
      prev(rt, a);
    };
  }
}

}  // namespace zest::interp
