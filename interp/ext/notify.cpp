// The deprecated draft "notify" extension (draft-martin-sieve-notify-01 as
// old Pigeonhole implements it), accepted so that old scripts keep working:
// notify [:method "mailto"] [:id s] [:options addresses] [:low/:normal/:high]
// [:message s], and denotify [MATCH-TYPE id] [:low/:normal/:high]. It cannot
// be required together with enotify, which owns the name `notify` then.
//
// The notification mail is composed here (pure text) and carried by a
// NotifyAction with method kDraftNotifyMethod; the executor sends it
// to each recipient in `options`.
#include <algorithm>
#include <set>

#include "base/text.hpp"
#include "interp/checker.hpp"
#include "interp/comparator.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"
#include "mail/address.hpp"
#include "mail/header_codec.hpp"
#include "mail/message.hpp"

namespace zest::interp {
namespace {

constexpr Slot kMethod = 16, kId = 17, kOptions = 18, kLow = 19, kNormal = 20, kHigh = 21,
               kMessage = 22;
constexpr Slot kIs = 23, kContains = 24, kMatches = 25;  // denotify's MATCH-TYPE with its key
constexpr std::string_view kDraftNotifyMethod = "draft-notify";
constexpr std::string_view kDefaultMessage = "$from$: $subject$";

std::optional<std::string> option_error(std::string_view option) {
  const std::string_view a = base::trim(option, " \t");
  if (a.empty()) return "empty recipient address in :options";
  if (!mail::is_valid_addr_spec(a))
    return "invalid recipient address '" + std::string(option) + "' in :options";
  return std::nullopt;
}

int importance(const Args& a) {
  return a.has(kHigh) ? 1 : a.has(kLow) ? 3 : 2;
}

// $from$, $env-from$, $subject$, $text$ and $text[N]$ of the message.
std::string substitute(Runtime& rt, std::string_view text) {
  auto header = [&rt](std::string_view name) {
    const auto v = rt.message().header_decoded(name);
    return v.empty() ? std::string() : std::string(v.front());
  };
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '$') {
      const std::size_t end = text.find('$', i + 1);
      if (end != std::string_view::npos) {
        const std::string_view var = text.substr(i + 1, end - i - 1);
        std::optional<std::string> value;
        if (var == "from") value = header("from");
        if (var == "env-from") value = rt.envelope().from;
        if (var == "subject") value = header("subject");
        if (var.starts_with("text")) {
          std::string body(rt.message().body());
          std::size_t n = body.size();
          if (var.size() > 6 && var[4] == '[' && var.back() == ']')
            n = std::strtoul(std::string(var.substr(5, var.size() - 6)).c_str(), nullptr, 10);
          if (var == "text" || (var.size() > 6 && var[4] == '[')) value = body.substr(0, n);
        }
        if (value) {
          out += *value;
          i = end + 1;
          continue;
        }
      }
    }
    out += text[i++];
  }
  return out;
}

// Recipients already notified in this result (later notify actions skip them).
struct Notified {
  std::set<std::string> recipients;
  std::vector<std::pair<std::string, int>> ids;  // per action: :id and importance
};

std::string compose(Runtime& rt, const std::vector<std::string>& rcpts, int imp,
                    const std::string& body) {
  std::string to;
  for (const auto& r : rcpts) to += (to.empty() ? "" : ", ") + r;
  static constexpr const char* kPriority[] = {"1 (Highest)", "3 (Normal)", "5 (Lowest)"};
  std::string m;
  m += "From: Postmaster <" + rt.settings().value("postmaster_address", "postmaster@example.com") +
       ">\r\n";
  m += mail::structured_field("To", to);
  m += "Subject: [SIEVE] New mail notification\r\n";
  m += "Auto-Submitted: auto-generated (notify)\r\n";
  m += "X-Sieve: Zest Sieve\r\n";
  m += "Precedence: bulk\r\n";
  m += std::string("X-Priority: ") + kPriority[std::clamp(imp, 1, 3) - 1] + "\r\n";
  m += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n";
  m += "Content-Transfer-Encoding: 8bit\r\n\r\n";
  for (char c : body) {
    if (c == '\n' && (m.empty() || m.back() != '\r')) m += '\r';
    m += c;
  }
  m += "\r\n";
  return m;
}

void run_notify(Runtime& rt, const Args& a) {
  // Never notify about automated mail (RFC 3834 §2).
  for (auto v : rt.message().header_raw("auto-submitted"))
    if (base::trim(v, " \t") != "no") {
      rt.log(LogLevel::Info, "notify: not notifying about an auto-submitted message");
      return;
    }
  auto& seen = rt.result_state<Notified>();
  std::vector<std::string> rcpts;
  for (const auto& o : rt.strings(a, kOptions)) {
    if (option_error(o)) {
      rt.log(LogLevel::Warning, "notify: ignored invalid recipient address '" + o + "'");
      continue;
    }
    const std::string r(base::trim(o, " \t"));
    if (seen.recipients.insert(r).second) rcpts.push_back(r);
  }
  const int imp = importance(a);
  const std::string text =
      substitute(rt, rt.string(a, kMessage).value_or(std::string(kDefaultMessage)));
  NotifyAction n;
  n.method = std::string(kDraftNotifyMethod);
  n.uri = "mailto:";
  for (const auto& r : rcpts) n.uri += (n.uri.size() > 7 ? "," : "") + r;
  n.importance = imp;
  n.message = compose(rt, rcpts, imp, text);
  n.options = rcpts;
  const std::size_t before = rt.actions().actions().size();
  rt.check(rt.actions().notify(std::move(n)));
  if (rt.actions().actions().size() > before)
    seen.ids.emplace_back(rt.string(a, kId).value_or(""), imp);
}

void run_denotify(Runtime& rt, const Args& a) {
  auto& seen = rt.result_state<Notified>();
  const Slot match_slot = a.has(kIs) ? kIs : a.has(kContains) ? kContains : kMatches;
  const std::optional<std::string> key = rt.string(a, match_slot);
  const bool by_importance = a.has(kHigh) || a.has(kNormal) || a.has(kLow);
  const int imp = importance(a);
  std::size_t k = 0;  // index among the draft notifications
  std::vector<bool> removed(seen.ids.size(), false);
  rt.actions().remove_notifications([&](const NotifyAction& n) {
    if (n.method != kDraftNotifyMethod) return false;
    const std::size_t i = k++;
    if (i >= seen.ids.size()) return false;
    const auto& [id, action_imp] = seen.ids[i];
    if (by_importance && action_imp != imp) return false;
    if (key) {
      const Comparator& cmp = ascii_casemap_comparator();
      const bool hit = match_slot == kIs         ? match_is(cmp, id, *key)
                       : match_slot == kContains ? match_contains(cmp, id, *key)
                                                 : match_wildcard(cmp, id, *key, nullptr);
      if (!hit) return false;
    }
    removed[i] = true;
    return true;
  });
  // Keep the id list aligned with the remaining draft notifications.
  std::vector<std::pair<std::string, int>> left;
  for (std::size_t i = 0; i < seen.ids.size(); ++i)
    if (!removed[i]) left.push_back(std::move(seen.ids[i]));
  seen.ids = std::move(left);
}

}  // namespace

void register_notify(Registry& r) {
  r.add_extension({"notify", {}, {"enotify"}});
  {
    CommandSpec s;
    s.name = "notify";
    s.extension = "notify";
    s.tags = {{"method", kMethod, ArgKind::String, "method"},
              {"id", kId, ArgKind::String, "id"},
              {"options", kOptions, ArgKind::StringList, "recipients"},
              {"low", kLow},
              {"normal", kNormal},
              {"high", kHigh},
              {"message", kMessage, ArgKind::String, "message"}};
    s.check = [](CheckContext& ctx, CheckedCall& call) {
      if (int(call.find(kLow) != nullptr) + int(call.find(kNormal) != nullptr) +
              int(call.find(kHigh) != nullptr) >
          1)
        ctx.error(call.loc, "the notify command accepts only one of :low, :normal and :high");
      if (const CheckedArg* m = call.find(kMethod); m && m->constant() && m->str() != "mailto")
        ctx.error(m->loc, "the notify command: unsupported method '" + m->str() + "'");
      if (const CheckedArg* o = call.find(kOptions))
        for (std::size_t i = 0; i < o->strings.size(); ++i)
          if (!o->templates[i])
            if (auto e = option_error(o->strings[i]))
              ctx.error(o->loc, "the notify command: " + *e);
    };
    s.run = run_notify;
    r.add_command(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "denotify";
    s.extension = "notify";
    s.tags = {{"is", kIs, ArgKind::String, "id"},
              {"contains", kContains, ArgKind::String, "id"},
              {"matches", kMatches, ArgKind::String, "id"},
              {"low", kLow},
              {"normal", kNormal},
              {"high", kHigh}};
    s.check = [](CheckContext& ctx, CheckedCall& call) {
      if (int(call.find(kIs) != nullptr) + int(call.find(kContains) != nullptr) +
              int(call.find(kMatches) != nullptr) >
          1)
        ctx.error(call.loc, "the denotify command accepts only one match type");
    };
    s.run = run_denotify;
    r.add_command(std::move(s));
  }
}

}  // namespace zest::interp
