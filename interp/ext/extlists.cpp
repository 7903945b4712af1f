// RFC 6134 extlists: the :list match type (the keys name external lists; a
// value matches when one of the lists contains it, exactly), the
// valid_ext_list test and redirect :list (one redirect per list member).
// Lists are configured in [sieve.lists] (EngineSettings::ext_lists) and
// looked up through the host; the names are URIs (interp/ext_list_name.hpp).
#include "interp/checker.hpp"
#include "interp/ext/action_tags.hpp"
#include "interp/ext/redirect_target.hpp"
#include "interp/ext_list_name.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"

namespace zest::interp {
namespace {

// The configured list a name refers to; nullopt for an invalid or unknown name.
std::optional<std::string> known_list(const EngineSettings& s, std::string_view name) {
  auto n = normalize_ext_list_name(name);
  if (!n || !s.ext_lists.count(*n)) return std::nullopt;
  return std::move(*n);
}

bool list_match(Runtime& rt, const Comparator&, const std::vector<std::string>& values,
                const std::vector<std::string>& keys) {
  std::vector<std::string> lists;
  bool warned = false;
  for (const auto& k : keys) {
    auto n = normalize_ext_list_name(k);
    const bool known = n && rt.settings().ext_lists.count(*n);
    if (!known) {
      // As Pigeonhole: the first bad key is reported; it matches nothing.
      if (!warned)
        rt.log(LogLevel::Warning,
               "key item '" + k + "' for \":list\" match is not " +
                   (n ? "a known list name" : "a valid list name (" + n.error() + ")"));
      warned = true;
      continue;
    }
    lists.push_back(std::move(*n));
  }
  for (const auto& v : values)
    for (const auto& l : lists) {
      const Result<bool> found = rt.host().ext_list_contains(l, v);
      if (!found) {
        rt.fail("\":list\" match: lookup of '" + v + "' in list '" + l +
                "' failed: " + found.error());
        return false;
      }
      if (rt.tracing(4))
        rt.trace("        matching value '" + v + "' :list '" + l +
                 "': " + (*found ? "matched" : "no"));
      if (*found) {
        rt.set_match_values({v});
        return true;
      }
    }
  return false;
}

void check_redirect_list(CheckContext& ctx, CheckedCall& call) {
  const CheckedArg* a = call.find(0);
  if (!a || !a->constant()) return;
  auto n = normalize_ext_list_name(a->str());
  if (!n)
    ctx.error(a->loc, "redirect :list: '" + a->str() + "' is not a valid list name: " + n.error());
  else if (!ctx.settings().ext_lists.count(*n))
    ctx.error(a->loc, "redirect :list: unknown external list '" + a->str() + "'");
}

}  // namespace

void register_extlists(Registry& r) {
  r.add_extension({"extlists"});
  r.add_group_member(TagGroup::MatchType,
                     {"list", static_cast<std::uint8_t>(MatchType::List), "extlists"});
  r.set_list_matcher(list_match);
  {
    CommandSpec s;
    s.name = "valid_ext_list";
    s.is_test = true;
    s.extension = "extlists";
    s.positional = {{"ext-list-names", ArgKind::StringList}};
    // RFC 6134 §2.3: true iff every name is valid and a configured list.
    s.test = [](Runtime& rt, const Args& a) {
      for (const auto& name : rt.strings(a, 0)) {
        auto n = normalize_ext_list_name(name);
        if (!n) {
          rt.log(LogLevel::Warning,
                 "valid_ext_list test: invalid external list name '" + name + "': " + n.error());
          return false;
        }
        if (!rt.settings().ext_lists.count(*n)) return false;
      }
      return true;
    };
    r.add_command(std::move(s));
  }
  // RFC 6134 §2.2: redirect :list "<name>" redirects to every member.
  if (CommandSpec* s = r.mutable_command("redirect", false)) {
    s->tags.push_back({"list", kSlotList, ArgKind::None, {}, "extlists"});
    s->check = [plain = s->check](CheckContext& ctx, CheckedCall& call) {
      if (call.find(kSlotList))
        check_redirect_list(ctx, call);
      else if (plain)
        plain(ctx, call);
    };
    s->run = [plain = s->run](Runtime& rt, const Args& a) {
      if (!a.has(kSlotList)) return plain(rt, a);
      const std::string name = rt.string(*a.find(0));
      const auto list = known_list(rt.settings(), name);
      if (!list) return rt.fail("redirect :list: unknown external list '" + name + "'");
      auto members = rt.host().ext_list_members(*list);
      if (!members)
        return rt.fail("redirect :list: cannot read list '" + name + "': " + members.error());
      for (const auto& m : *members) {
        const auto target = redirect_target(m);
        if (!target)
          return rt.fail("redirect :list: member '" + m + "' of list '" + name +
                         "' is not a valid address");
        rt.check(rt.actions().redirect({*target, a.has(kSlotCopy)}));
        if (rt.failed()) return;
      }
    };
  }
}

}  // namespace zest::interp
