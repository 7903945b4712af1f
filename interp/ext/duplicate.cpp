// RFC 7352 duplicate and its predecessor vnd.dovecot.duplicate: the
// `duplicate` test. The test asks the host whether the id was recorded; the
// id is recorded (or its expiry renewed with :last) only when the result is
// executed, so a message whose delivery fails is not remembered.
#include "base/text.hpp"
#include "interp/checker.hpp"
#include "interp/ext/period.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"
#include "mail/message.hpp"

namespace zest::interp {
namespace {

constexpr Slot kHandle = 16, kHeader = 17, kUniqueId = 18, kSeconds = 19, kLastTag = 20;
constexpr std::string_view kRfc = "duplicate", kVnd = "vnd.dovecot.duplicate";

// Pigeonhole's defaults (sieve_duplicate_default_period/_max_period).
constexpr std::uint64_t kDefaultPeriod = 14 * 86400, kMaxPeriod = 7 * 86400;

bool duplicate_test(Runtime& rt, const Args& a) {
  std::string value;
  if (auto id = rt.string(a, kUniqueId)) {
    value = *id;
  } else {
    const std::string header = rt.string(a, kHeader).value_or("message-id");
    const auto fields = rt.message().header_raw(header);
    if (fields.empty()) return false;  // nothing to recognise the message by
    value = base::trim(fields.front(), " \t\r\n");
    if (value.empty()) return false;
  }
  // The handle and the header name keep separate trackings apart.
  std::string id = "duplicate\x1f" + rt.string(a, kHandle).value_or("") + "\x1f";
  if (!a.has(kUniqueId)) id += rt.string(a, kHeader).value_or("message-id");
  id += "\x1f" + value;

  const auto& settings = rt.settings();
  const std::uint64_t max = period_setting(settings, "duplicate_max_period", kMaxPeriod);
  std::uint64_t seconds =
      a.has(kSeconds) ? a.number(kSeconds)
                      : period_setting(settings, "duplicate_default_period", kDefaultPeriod);
  if (max > 0 && seconds > max) seconds = max;

  const bool seen = rt.host().duplicate_exists(id);
  if (!seen || a.has(kLastTag)) rt.actions().mark_duplicate({std::move(id), seconds});
  if (rt.tracing(4)) rt.trace(std::string("        duplicate id ") + (seen ? "seen" : "not seen"));
  return seen;
}

}  // namespace

void register_duplicate(Registry& r) {
  r.add_extension({std::string(kRfc)});
  r.add_extension({std::string(kVnd)});
  CommandSpec s;
  s.name = "duplicate";
  s.is_test = true;
  // Either capability provides the test; the check below enforces that one
  // (and only one) of them was required.
  s.tags = {{"handle", kHandle, ArgKind::String, "handle"},
            {"header", kHeader, ArgKind::String, "header name"},
            {"uniqueid", kUniqueId, ArgKind::String, "unique id"},
            {"seconds", kSeconds, ArgKind::Number, "seconds"},
            {"last", kLastTag}};
  s.check = [](CheckContext& ctx, CheckedCall& call) {
    const bool rfc = ctx.has(kRfc), vnd = ctx.has(kVnd);
    if (!rfc && !vnd) {
      ctx.error(call.loc,
                "unknown test 'duplicate' (perhaps you need to require "
                "the duplicate extension)");
      return;
    }
    if (rfc && vnd) {
      ctx.error(call.loc,
                "the duplicate and vnd.dovecot.duplicate extensions cannot be used together");
      return;
    }
    if (call.find(kHeader) && call.find(kUniqueId))
      ctx.error(call.loc, "the duplicate test cannot have both the :header and the :uniqueid tag");
    if (const CheckedArg* h = call.find(kHeader); h && h->constant()) {
      bool ok = !h->str().empty();
      for (unsigned char c : h->str())
        if (c <= 32 || c >= 127 || c == ':') ok = false;
      if (!ok) ctx.error(h->loc, "specified header field name '" + h->str() + "' is invalid");
    }
  };
  s.test = duplicate_test;
  r.add_command(std::move(s));
}

}  // namespace zest::interp
