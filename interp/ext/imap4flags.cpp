// RFC 5232 imap4flags: setflag/addflag/removeflag, the hasflag test, the
// internal flags variable and :flags on keep and fileinto. With variables,
// the commands and the test also take variable names.
#include <algorithm>

#include "base/text.hpp"
#include "interp/checker.hpp"
#include "interp/ext/action_tags.hpp"
#include "interp/ext/variables.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"

namespace zest::interp {
namespace {

constexpr Slot kVariable = 0, kFlags = 1;

bool contains_flag(const std::vector<std::string>& flags, std::string_view flag) {
  return std::any_of(flags.begin(), flags.end(),
                     [&](const std::string& f) { return base::iequals(f, flag); });
}

// Splits at spaces and drops case-insensitive duplicates, keeping the
// first spelling and the order (RFC 5232 §3).
std::vector<std::string> normalize(const std::vector<std::string>& strings) {
  std::vector<std::string> out;
  for (auto& f : split_flags(strings))
    if (!contains_flag(out, f)) out.push_back(std::move(f));
  return out;
}

std::string join(const std::vector<std::string>& flags) {
  std::string out;
  for (const auto& f : flags) {
    if (!out.empty()) out += ' ';
    out += f;
  }
  return out;
}

std::vector<std::string> current(Runtime& rt, const Args& a) {
  if (const ArgValue* v = a.find(kVariable)) return normalize({variables::get(rt, rt.raw(*v))});
  return rt.internal_flags();
}

void store(Runtime& rt, const Args& a, std::vector<std::string> flags) {
  if (const ArgValue* v = a.find(kVariable)) {
    variables::set(rt, rt.raw(*v), join(flags));
    return;
  }
  rt.internal_flags() = std::move(flags);
}

enum class FlagOp { Set, Add, Remove };

void run_flag_op(FlagOp op, std::string_view command, Runtime& rt, const Args& a) {
  // removeflag may name anything; only what is stored must be valid.
  const std::vector<std::string> given =
      op == FlagOp::Remove ? normalize(rt.strings(a, kFlags))
                           : normalize({join(flags_to_store(rt, rt.strings(a, kFlags), command))});
  std::vector<std::string> flags;
  if (op != FlagOp::Set) flags = current(rt, a);
  for (const auto& f : given) {
    if (op == FlagOp::Remove) {
      std::erase_if(flags, [&](const std::string& x) { return base::iequals(x, f); });
    } else if (!contains_flag(flags, f)) {
      flags.push_back(f);
    }
  }
  store(rt, a, std::move(flags));
}

void check_variable_names(CheckContext& ctx, CheckedCall& call, bool assign) {
  const CheckedArg* v = call.find(kVariable);
  if (!v) return;
  if (!ctx.has("variables")) {
    ctx.error(v->loc, call.what() +
                          " accepts a variable name only when the variables extension is "
                          "required");
    return;
  }
  for (const auto& name : v->strings)
    if (auto err = variables::check_name(ctx, name, assign)) ctx.error(v->loc, *err);
}

// Constant flags that can never be stored: a warning at compile time (the
// script stays valid; the flag is ignored when it runs). The call's
// description is built only for the warning (keep and fileinto pass here).
void warn_invalid_flags(CheckContext& ctx, const CheckedArg* flags, const CheckedCall& call) {
  if (!flags) return;
  for (std::size_t i = 0; i < flags->strings.size(); ++i) {
    if (i < flags->templates.size() && flags->templates[i]) continue;
    std::string bad;
    (void)split_valid_flags({flags->strings[i]}, &bad);
    if (!bad.empty()) {
      ctx.warning(flags->loc,
                  call.what() + ": IMAP flag '" + bad + "' is invalid and will be ignored");
      return;
    }
  }
}

}  // namespace

void register_imap4flags(Registry& r) {
  r.add_extension({"imap4flags"});
  for (auto [name, op] : {std::pair{"setflag", FlagOp::Set}, std::pair{"addflag", FlagOp::Add},
                          std::pair{"removeflag", FlagOp::Remove}}) {
    CommandSpec s;
    s.name = name;
    s.extension = "imap4flags";
    s.positional = {{"variable name", ArgKind::String}, {"list of flags", ArgKind::StringList}};
    s.optional_leading = 1;
    s.literal_slots = {kVariable};
    s.check = [op = op](CheckContext& ctx, CheckedCall& call) {
      check_variable_names(ctx, call, true);
      if (op != FlagOp::Remove) warn_invalid_flags(ctx, call.find(kFlags), call);
    };
    s.run = [op = op, name = name](Runtime& rt, const Args& a) { run_flag_op(op, name, rt, a); };
    r.add_command(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "hasflag";
    s.is_test = true;
    s.extension = "imap4flags";
    s.positional = {{"variable list", ArgKind::StringList}, {"list of flags", ArgKind::StringList}};
    s.optional_leading = 1;
    s.literal_slots = {kVariable};
    s.groups = {TagGroup::Comparator, TagGroup::MatchType};
    s.check = [](CheckContext& ctx, CheckedCall& call) { check_variable_names(ctx, call, false); };
    s.test = [](Runtime& rt, const Args& a) {
      std::vector<std::string> values;
      if (const ArgValue* v = a.find(kVariable)) {
        std::vector<std::string> contents;
        for (std::uint32_t i = 0; i < v->count; ++i)
          contents.push_back(
              variables::get(rt, rt.program().text(rt.program().string_refs[v->first + i])));
        if (v->kind == ArgKind::String) contents.push_back(variables::get(rt, rt.raw(*v)));
        values = normalize(contents);
      } else {
        values = rt.internal_flags();
      }
      // Keys are flag lists too: "b A" means the two flags b and A.
      return rt.match(a, values, normalize(rt.strings(a, kFlags)));
    };
    r.add_command(std::move(s));
  }
  for (const char* name : {"keep", "fileinto"})
    if (CommandSpec* s = r.mutable_command(name, false)) {
      s->tags.push_back({"flags", kSlotFlags, ArgKind::StringList, "list of flags", "imap4flags"});
      s->check = [previous = s->check](CheckContext& ctx, CheckedCall& call) {
        if (previous) previous(ctx, call);
        warn_invalid_flags(ctx, call.find(kSlotFlags), call);
      };
    }
}

}  // namespace zest::interp
