// RFC 5228 core: keep, discard, redirect; address, header, exists, size;
// the match types :is :contains :matches and address parts :all
// :localpart :domain. (require/if/elsif/else/stop and allof/anyof/not/
// true/false are control structures the compiler handles itself.)
#include <algorithm>

#include "interp/address_part.hpp"
#include "interp/checker.hpp"
#include "interp/ext/action_tags.hpp"
#include "interp/ext/index.hpp"
#include "interp/ext/redirect_target.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"
#include "mail/address.hpp"
#include "mail/message.hpp"

namespace zest::interp {
namespace {

constexpr Slot kKeys = 1;

bool valid_header_name(std::string_view n) {
  if (n.empty()) return false;
  for (unsigned char c : n)
    if (c <= 32 || c >= 127 || c == ':') return false;
  return true;
}

// Warn about header names that can never match (Pigeonhole does the same).
void check_header_names(CheckContext& ctx, CheckedCall& call, Slot slot) {
  const CheckedArg* names = call.find(slot);
  if (!names) return;
  for (std::size_t i = 0; i < names->strings.size(); ++i)
    if (!names->templates[i] && !valid_header_name(names->strings[i]))
      ctx.warning(names->loc, "invalid header field name '" + names->strings[i] +
                                  "' specified for " + call.what() + " (it never matches)");
}

// Views of the message's cached decodings, which live as long as it does.
std::vector<std::string_view> header_values(Runtime& rt, const Args& a,
                                            std::span<const std::string_view> names) {
  std::vector<std::string_view> values;
  for (const auto n : names) {
    if (!valid_header_name(n)) continue;
    auto fields = rt.message().header_decoded(n);
    select_index(a, fields);  // RFC 5260 :index/:last
    values.insert(values.end(), fields.begin(), fields.end());
  }
  return values;
}

void keep(Runtime& rt, const Args& a) {
  std::vector<std::string> flags = rt.internal_flags();
  if (const ArgValue* f = a.find(kSlotFlags)) flags = rt.strings(*f);
  rt.check(rt.actions().keep(canonical_flags(flags_to_store(rt, flags, "keep"))));
}

}  // namespace

std::optional<std::string> redirect_target(std::string_view s) {
  if (auto a = mail::parse_addr_spec(s, true)) return mail::to_string(*a);
  const auto list = mail::parse_address_list(s);
  if (list.has_invalid || list.addresses.size() != 1 || list.addresses[0].domain.empty())
    return std::nullopt;
  return mail::to_string(list.addresses[0]);
}

void register_core(Registry& r) {
  for (auto [name, id] :
       {std::pair{"is", MatchType::Is}, std::pair{"contains", MatchType::Contains},
        std::pair{"matches", MatchType::Matches}})
    r.add_group_member(TagGroup::MatchType, {name, static_cast<std::uint8_t>(id), ""});
  for (auto [name, id] :
       {std::pair{"all", AddressPart::All}, std::pair{"localpart", AddressPart::LocalPart},
        std::pair{"domain", AddressPart::Domain}})
    r.add_group_member(TagGroup::AddressPart, {name, static_cast<std::uint8_t>(id), ""});

  // Control structures: described so that "cannot use test as command"
  // and listings know them; the compiler gives them their meaning.
  for (const char* c : {"require", "if", "elsif", "else", "stop"}) {
    CommandSpec s;
    s.name = c;
    r.add_command(std::move(s));
  }
  for (const char* t : {"allof", "anyof", "not", "true", "false"}) {
    CommandSpec s;
    s.name = t;
    s.is_test = true;
    r.add_command(std::move(s));
  }

  {
    CommandSpec s;
    s.name = "keep";
    s.run = keep;
    r.add_command(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "discard";
    s.run = [](Runtime& rt, const Args&) { rt.check(rt.actions().discard()); };
    r.add_command(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "redirect";
    s.positional = {{"address", ArgKind::String}};
    s.check = [](CheckContext& ctx, CheckedCall& call) {
      const CheckedArg* a = call.find(0);
      if (a && a->constant() && !redirect_target(a->str()))
        ctx.error(a->loc, "specified redirect address '" + a->str() + "' is invalid");
    };
    s.run = [](Runtime& rt, const Args& a) {
      const std::string addr = rt.string(*a.find(0));
      const auto target = redirect_target(addr);
      if (!target) {
        rt.fail("specified redirect address '" + addr + "' is invalid");
        return;
      }
      rt.check(rt.actions().redirect({*target, a.has(kSlotCopy)}));
    };
    r.add_command(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "header";
    s.is_test = true;
    s.positional = {{"header names", ArgKind::StringList}, {"key list", ArgKind::StringList}};
    s.groups = {TagGroup::Comparator, TagGroup::MatchType};
    s.check = [](CheckContext& ctx, CheckedCall& call) { check_header_names(ctx, call, 0); };
    s.test = [](Runtime& rt, const Args& a) {
      const auto values = header_values(rt, a, rt.string_list(a, 0).span());
      return rt.match(a, std::span<const std::string_view>(values),
                      rt.string_list(a, kKeys).span());
    };
    r.add_command(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "address";
    s.is_test = true;
    s.positional = {{"header list", ArgKind::StringList}, {"key list", ArgKind::StringList}};
    s.groups = {TagGroup::Comparator, TagGroup::MatchType, TagGroup::AddressPart};
    s.check = [](CheckContext& ctx, CheckedCall& call) {
      const CheckedArg* names = call.find(0);
      for (std::size_t i = 0; names && i < names->strings.size(); ++i)
        if (!names->templates[i] && !is_address_header(names->strings[i]))
          ctx.error(names->loc, "specified header '" + names->strings[i] +
                                    "' is not allowed for the address test");
    };
    s.test = [](Runtime& rt, const Args& a) {
      const auto part = static_cast<AddressPart>(a.number(kSlotAddressPart, 0));
      std::vector<std::string> values;
      const StringList names = rt.string_list(a, 0);
      for (const std::string_view name : names.views) {
        if (!is_address_header(name)) continue;
        auto fields = rt.message().header_raw(name);
        select_index(a, fields);  // RFC 5260 :index/:last
        for (auto v : fields)
          address_values(part, v, rt.message().addresses(v), rt.settings(), values);
      }
      return rt.match(a, std::span<const std::string>(values), rt.string_list(a, kKeys).span());
    };
    r.add_command(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "exists";
    s.is_test = true;
    s.positional = {{"header names", ArgKind::StringList}};
    s.check = [](CheckContext& ctx, CheckedCall& call) { check_header_names(ctx, call, 0); };
    s.test = [](Runtime& rt, const Args& a) {
      const StringList names = rt.string_list(a, 0);
      for (const std::string_view n : names.views)
        if (!valid_header_name(n) || !rt.message().has_header(n)) return false;
      return true;
    };
    r.add_command(std::move(s));
  }
  {
    constexpr Slot kOver = 16, kUnder = 17;
    CommandSpec s;
    s.name = "size";
    s.is_test = true;
    s.tags = {{"over", kOver, ArgKind::Number, "limit"},
              {"under", kUnder, ArgKind::Number, "limit"}};
    s.check = [](CheckContext& ctx, CheckedCall& call) {
      const bool over = call.find(kOver) != nullptr, under = call.find(kUnder) != nullptr;
      if (over == under)
        ctx.error(call.loc,
                  "the size test requires either the :under or the :over tag to be "
                  "specified, but not both");
    };
    s.test = [](Runtime& rt, const Args& a) {
      const std::uint64_t size = rt.message().size();
      if (const ArgValue* o = a.find(kOver)) return size > o->number;
      if (const ArgValue* u = a.find(kUnder)) return size < u->number;
      return false;
    };
    r.add_command(std::move(s));
  }
}

}  // namespace zest::interp
