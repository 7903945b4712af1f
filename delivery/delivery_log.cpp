#include "delivery/delivery_log.hpp"

#include <cstdio>
#include <variant>
#include <vector>

#include "base/logfmt.hpp"

namespace zest::delivery {

void DeliveryLog::event(std::string_view name, std::initializer_list<Field> fields) {
  write(name, std::span(fields.begin(), fields.size()));
}

void DeliveryLog::write(std::string_view name, std::span<const Field> fields) {
  std::string line = "event=" + std::string(name) + " " + base::log_field("session", session_) +
                     " " + base::log_field("user", user_);
  for (const auto& [key, value] : fields) line += " " + base::log_field(key, value);
  out_(line);
}

void DeliveryLog::tagged(std::string_view line) {
  out_(std::string(line) + " " + base::log_field("session", session_) + " " +
       base::log_field("user", user_));
}

Outcome DeliveryLog::finish(Outcome o, std::string_view rcpt, std::string_view from) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - started_)
                      .count();
  char dur[32];
  std::snprintf(dur, sizeof dur, "%.3f", static_cast<double>(us) / 1000.0);
  const std::string result = std::to_string(o.code) + " " + o.enhanced;
  std::vector<Field> fields = {{"rcpt", rcpt},
                               {"from", from},
                               {"message_id", message_id},
                               {"size", size},
                               {"script", scripts.empty() ? std::string_view("-") : scripts},
                               {"folders", folders},
                               {"actions", actions}};
  if (!sieve_ms.empty()) fields.emplace_back("sieve_ms", sieve_ms);
  fields.emplace_back("duration_ms", dur);
  fields.emplace_back("outcome", outcome_name(o.kind));
  fields.emplace_back("result", result);
  if (!detail.empty()) fields.emplace_back("detail", detail);
  write("delivery", fields);
  return o;
}

std::string actions_summary(const interp::ActionList& list) {
  std::string out;
  for (const auto& a : list.actions()) {
    if (!out.empty()) out += ' ';
    out += interp::action_name(a);
    if (const auto* f = std::get_if<interp::FileintoAction>(&a)) out += ":" + f->mailbox;
    if (const auto* r = std::get_if<interp::RedirectAction>(&a)) out += ":" + r->address;
  }
  if (list.implicit_keep()) out += out.empty() ? "implicit-keep" : " implicit-keep";
  return out;
}

}  // namespace zest::delivery
