// vnd.dovecot.report: `report [:headers_only] <feedback-type> <message>
// <address>` sends an RFC 5965 abuse report (ARF) about the message; the
// report itself is built when the result is executed
// (delivery/outgoing.cpp).
#include "interp/checker.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"
#include "mail/address.hpp"

namespace zest::interp {
namespace {

constexpr Slot kType = 0, kMessage = 1, kAddress = 2, kHeadersOnly = 16;

// RFC 5965 §7.3: feedback types are tokens (registered or extension ones).
bool valid_feedback_type(std::string_view t) {
  if (t.empty()) return false;
  for (char c : t)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.'))
      return false;
  return true;
}

std::optional<std::string> report_address(std::string_view s) {
  if (auto a = mail::parse_addr_spec(s)) return mail::to_string(*a);
  return std::nullopt;
}

}  // namespace

void register_vnd_dovecot_report(Registry& r) {
  r.add_extension({"vnd.dovecot.report"});
  CommandSpec s;
  s.name = "report";
  s.extension = "vnd.dovecot.report";
  s.positional = {{"feedback type", ArgKind::String},
                  {"message", ArgKind::String},
                  {"address", ArgKind::String}};
  s.tags = {{"headers_only", kHeadersOnly}};
  s.check = [](CheckContext& ctx, CheckedCall& call) {
    if (const CheckedArg* t = call.find(kType);
        t && t->constant() && !valid_feedback_type(t->str()))
      ctx.error(t->loc, "report command: specified feedback type '" + t->str() + "' is invalid");
    if (const CheckedArg* a = call.find(kAddress); a && a->constant() && !report_address(a->str()))
      ctx.error(a->loc, "report command: specified address '" + a->str() + "' is invalid");
  };
  s.run = [](Runtime& rt, const Args& a) {
    ReportAction rep;
    rep.feedback_type = rt.string(*a.find(kType));
    if (!valid_feedback_type(rep.feedback_type)) {
      rt.fail("report action: specified feedback type '" + rep.feedback_type + "' is invalid");
      return;
    }
    rep.message = rt.string(*a.find(kMessage));
    const std::string addr = rt.string(*a.find(kAddress));
    const auto target = report_address(addr);
    if (!target) {
      rt.fail("report action: specified address '" + addr + "' is invalid");
      return;
    }
    rep.address = *target;
    rep.headers_only = a.has(kHeadersOnly);
    rt.check(rt.actions().report(std::move(rep)));
  };
  r.add_command(std::move(s));
}

}  // namespace zest::interp
