#include "delivery/reject_policy.hpp"

#include <type_traits>
#include <variant>

namespace zest::delivery {
namespace {

// Re-adds an action to a list, so the RFC 5228 rules apply across scripts.
std::optional<std::string> add_action(interp::ActionList& list, const interp::Action& a) {
  return std::visit(
      [&](const auto& act) -> std::optional<std::string> {
        using T = std::decay_t<decltype(act)>;
        if constexpr (std::is_same_v<T, interp::KeepAction>) return list.keep(act.flags);
        if constexpr (std::is_same_v<T, interp::FileintoAction>) return list.fileinto(act);
        if constexpr (std::is_same_v<T, interp::RedirectAction>) return list.redirect(act);
        if constexpr (std::is_same_v<T, interp::DiscardAction>) return list.discard();
        if constexpr (std::is_same_v<T, interp::RejectAction>) return list.reject(act);
        if constexpr (std::is_same_v<T, interp::VacationAction>) return list.vacation(act);
        if constexpr (std::is_same_v<T, interp::NotifyAction>) return list.notify(act);
        if constexpr (std::is_same_v<T, interp::ReportAction>) return list.report(act);
        if constexpr (std::is_same_v<T, interp::PipeAction>) return list.pipe(act);
      },
      a);
}

}  // namespace

std::optional<interp::RejectAction> take_protocol_reject(interp::ActionList& list, RejectMode mode,
                                                         const interp::ActionLimits& limits) {
  std::optional<interp::RejectAction> reject;
  for (const auto& a : list.actions())
    if (const auto* r = std::get_if<interp::RejectAction>(&a))
      if (r->ereject || mode == RejectMode::Protocol) reject = *r;
  if (!reject) return std::nullopt;
  interp::ActionList kept(limits);
  const bool implicit_keep = list.implicit_keep();
  for (const auto& a : list.actions())
    if (!std::holds_alternative<interp::RejectAction>(a)) add_action(kept, a);
  if (!implicit_keep) kept.discard();
  list = std::move(kept);
  return reject;
}

std::string reject_text(std::string_view reason) {
  std::string out;
  std::size_t col = 0;
  for (unsigned char c : reason) {
    if (c == '\r') continue;
    if (c == '\n') {
      out += '\n';
      col = 0;
      continue;
    }
    if (col >= 400) {
      out += '\n';
      col = 0;
    }
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    ++col;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out.empty() ? "Message rejected" : out;
}

}  // namespace zest::delivery
