// RFC 5230 vacation and RFC 6131 vacation-seconds, with the RFC 8580 :fcc
// tag. The script side only records what to send; whether a reply goes out
// (robots, lists, recipients, replies already sent) and the reply message
// itself are decided when the result is executed (delivery/outgoing.cpp).
#include "base/utf8.hpp"
#include "interp/checker.hpp"
#include "interp/ext/fcc.hpp"
#include "interp/ext/period.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"
#include "mail/address.hpp"

namespace zest::interp {
namespace {

constexpr Slot kDays = 16, kSeconds = 17, kSubject = 18, kFrom = 19, kAddresses = 20, kMime = 21,
               kHandle = 22;

// Pigeonhole's defaults (sieve_vacation_min_period/_max_period/_default_period).
constexpr std::uint64_t kMinPeriod = 86400, kMaxPeriod = 60 * 86400, kDefaultPeriod = 7 * 86400;

// An address argument: an addr-spec or one "Name <addr-spec>". No control
// characters at all: folding inside a display name is legal RFC 5322, but a
// line break from a script is never meant as one (issue 15.2).
bool valid_address(std::string_view s) {
  for (const char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  if (mail::parse_addr_spec(s)) return true;
  const auto list = mail::parse_address_list(s);
  return !list.has_invalid && list.addresses.size() == 1 && !list.addresses[0].domain.empty();
}

void check(CheckContext& ctx, CheckedCall& call) {
  if (call.find(kDays) && call.find(kSeconds))
    ctx.error(call.loc, "the vacation command cannot have both the :days and the :seconds tag");
  if (const CheckedArg* f = call.find(kFrom); f && f->constant() && !valid_address(f->str()))
    ctx.error(f->loc,
              "specified :from address '" + f->str() + "' is invalid for the vacation action");
  if (const CheckedArg* a = call.find(kAddresses))
    for (std::size_t i = 0; i < a->strings.size(); ++i)
      if (!a->templates[i] && !valid_address(a->strings[i]))
        ctx.error(a->loc, "specified :addresses item '" + a->strings[i] +
                              "' is invalid for the vacation action");
  if (const CheckedArg* r = call.find(0);
      r && r->constant() && !call.find(kMime) && !base::valid_utf8(r->str()))
    ctx.error(r->loc, "the vacation reason is not valid UTF-8");
  fcc::check(ctx, call, "vacation");
}

std::uint64_t effective_period(const Runtime& rt, const Args& a) {
  const auto& s = rt.settings();
  const std::uint64_t min = period_setting(s, "vacation_min_period", kMinPeriod);
  const std::uint64_t max = period_setting(s, "vacation_max_period", kMaxPeriod);
  std::uint64_t seconds = period_setting(s, "vacation_default_period", kDefaultPeriod);
  if (const ArgValue* d = a.find(kDays))
    seconds = d->number > UINT64_MAX / 86400 ? UINT64_MAX : d->number * 86400;
  else if (const ArgValue* sec = a.find(kSeconds))
    seconds = sec->number;
  if (seconds < min) seconds = min;
  if (max > 0 && seconds > max) seconds = max;
  return seconds;
}

void run(Runtime& rt, const Args& a) {
  VacationAction v;
  v.seconds = effective_period(rt, a);
  v.subject = rt.string(a, kSubject);
  v.from = rt.string(a, kFrom);
  if (v.from && !valid_address(*v.from)) {
    rt.fail("specified :from address '" + *v.from + "' is invalid for the vacation action");
    return;
  }
  v.handle = rt.string(a, kHandle);
  v.reason = rt.string(*a.find(0));
  v.addresses = rt.strings(a, kAddresses);
  v.mime = a.has(kMime);
  v.fcc = fcc::read(rt, a);
  rt.check(rt.actions().vacation(std::move(v)));
}

}  // namespace

void register_vacation(Registry& r) {
  r.add_extension({"vacation"});
  r.add_extension({"vacation-seconds", {"vacation"}});
  r.add_extension({"fcc"});
  CommandSpec s;
  s.name = "vacation";
  s.extension = "vacation";
  s.positional = {{"reason", ArgKind::String}};
  s.tags = {{"days", kDays, ArgKind::Number, "days"},
            {"seconds", kSeconds, ArgKind::Number, "seconds", "vacation-seconds"},
            {"subject", kSubject, ArgKind::String, "subject"},
            {"from", kFrom, ArgKind::String, "from address"},
            {"addresses", kAddresses, ArgKind::StringList, "addresses"},
            {"mime", kMime},
            {"handle", kHandle, ArgKind::String, "handle"}};
  for (auto& t : fcc::tags()) s.tags.push_back(std::move(t));
  s.check = check;
  s.run = run;
  r.add_command(std::move(s));
}

}  // namespace zest::interp
