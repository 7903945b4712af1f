// RFC 5228 §5.4 envelope.
#include "base/text.hpp"
#include "interp/address_part.hpp"
#include "interp/checker.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"
#include "mail/address.hpp"

namespace zest::interp {
namespace {

bool known_part(const std::string& p) {
  return p == "from" || p == "to" || p == "auth";
}

}  // namespace

void register_envelope(Registry& r) {
  r.add_extension({"envelope"});
  CommandSpec s;
  s.name = "envelope";
  s.is_test = true;
  s.extension = "envelope";
  s.positional = {{"envelope part", ArgKind::StringList}, {"key list", ArgKind::StringList}};
  s.groups = {TagGroup::Comparator, TagGroup::MatchType, TagGroup::AddressPart};
  s.check = [](CheckContext& ctx, CheckedCall& call) {
    const CheckedArg* parts = call.find(0);
    for (std::size_t i = 0; parts && i < parts->strings.size(); ++i)
      if (!parts->templates[i] && !known_part(base::to_lower(parts->strings[i])))
        ctx.error(parts->loc, "specified envelope part '" + parts->strings[i] +
                                  "' is not supported by the envelope test");
  };
  s.test = [](Runtime& rt, const Args& a) {
    const auto part = static_cast<AddressPart>(a.number(kSlotAddressPart, 0));
    std::vector<std::string> values;
    for (const auto& p : rt.strings(a, 0)) {
      const std::string name = base::to_lower(p);
      const Envelope& env = rt.envelope();
      // "to" is the original recipient (sieve-test -a, LMTP ORCPT), as in
      // Pigeonhole; the final one (env.to) when none was given.
      const std::string* to = env.orig_to.empty() ? &env.to : &env.orig_to;
      const std::string* raw = name == "from"   ? &env.from
                               : name == "to"   ? to
                               : name == "auth" ? &env.auth
                                                : nullptr;
      if (!raw) continue;
      if (name == "auth") {
        if (!raw->empty()) values.push_back(*raw);
        continue;
      }
      const auto path = mail::parse_envelope_path(*raw);
      if (!path) continue;
      if (path->null_path) {
        // The null sender matches only "" whatever the address part.
        values.emplace_back();
        continue;
      }
      if (auto v = address_part(part, path->address, rt.settings()))
        values.push_back(std::move(*v));
    }
    return rt.match(a, values, rt.strings(a, 1));
  };
  r.add_command(std::move(s));
}

}  // namespace zest::interp
