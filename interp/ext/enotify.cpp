// RFC 5435 enotify: the notify action, valid_notify_method,
// notify_method_capability and the :encodeurl modifier of `set`. URIs are
// checked through the method interface of methods/ (constant ones at
// compile time); carrying a notification out is the executor's job.
#include <string>
#include <string_view>
#include <vector>

#include "base/text.hpp"
#include "interp/checker.hpp"
#include "interp/ext/fcc.hpp"
#include "interp/ext/variables.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"
#include "methods/method.hpp"

namespace zest::interp {
namespace {

constexpr Slot kMethod = 0;
constexpr Slot kFrom = 16;
constexpr Slot kImportance = 17;
constexpr Slot kOptions = 18;
constexpr Slot kMessage = 19;

// The methods as this engine is configured (http: only where allowed).
methods::MethodRegistry engine_methods(const EngineSettings& s) {
  methods::Policy p;
  const std::string v = s.value("notify_http_allow_http", "no");
  p.allow_http = v == "yes" || v == "true" || v == "1";
  return methods::standard_methods(p);
}

// Error text for a notify URI, or nullopt when a method accepts it.
std::optional<std::string> uri_error(const methods::MethodRegistry& reg, std::string_view uri,
                                     std::vector<std::string>* warnings = nullptr) {
  const methods::Method* m = reg.find(uri);
  if (!m) {
    const std::string scheme = methods::scheme_of(uri);
    return scheme.empty() ? "invalid notify method URI '" + std::string(uri) + "'"
                          : "unsupported notification method '" + scheme + "'";
  }
  auto r = m->check_uri(uri);
  if (r.error)
    return "invalid " + std::string(m->scheme()) + " URI '" + std::string(uri) + "': " + *r.error;
  if (warnings) *warnings = std::move(r.warnings);
  return std::nullopt;
}

bool valid_importance(std::string_view s) {
  return s == "1" || s == "2" || s == "3";
}

// ${0}..${N}: the URI carries text taken from the message (RFC 5435 §8).
bool uses_match_variables(std::string_view s) {
  for (std::size_t i = s.find("${"); i != std::string_view::npos; i = s.find("${", i + 2)) {
    std::size_t j = i + 2;
    while (j < s.size() && base::is_wsp(s[j])) ++j;
    if (j < s.size() && s[j] >= '0' && s[j] <= '9') return true;
  }
  return false;
}

// [notify] max_per_run (Pigeonhole's sieve_notify_max_notifications); 0
// prohibits notify.
std::size_t max_notifications(const EngineSettings& s) {
  const std::string v = s.value("notify_max_per_run");
  return v.empty() ? 10 : static_cast<std::size_t>(std::strtoull(v.c_str(), nullptr, 10));
}

constexpr std::string_view kProhibited = "local policy prohibits the use of a notify action";

void check_notify(CheckContext& ctx, CheckedCall& call) {
  if (max_notifications(ctx.settings()) == 0)
    ctx.error(call.loc, "notify command: " + std::string(kProhibited));
  const auto reg = engine_methods(ctx.settings());
  if (const CheckedArg* imp = call.find(kImportance);
      imp && imp->constant() && !valid_importance(imp->str()))
    ctx.error(imp->loc, "notify command: invalid :importance value '" + imp->str() +
                            "' (must be \"1\", \"2\" or \"3\")");
  if (const CheckedArg* opts = call.find(kOptions))
    for (std::size_t i = 0; i < opts->strings.size(); ++i)
      if (!opts->templates[i])
        if (auto s = methods::check_option_syntax(opts->strings[i]); !s)
          ctx.error(opts->loc, "notify command: invalid :options argument: " + s.error());
  const CheckedArg* method = call.find(kMethod);
  const methods::Method* m = nullptr;
  if (method && method->constant()) {
    std::vector<std::string> warnings;
    if (auto e = uri_error(reg, method->str(), &warnings)) {
      ctx.error(method->loc, "notify command: " + *e);
      return;
    }
    for (const auto& w : warnings) ctx.warning(method->loc, "notify command: " + w);
    m = reg.find(method->str());
  } else if (method && uses_match_variables(method->str())) {
    ctx.warning(method->loc,
                "notify command: the method URI is built from message data (match variables); "
                "a crafted message could choose the notification target (RFC 5435 §8)");
  }
  if (const CheckedArg* from = call.find(kFrom); from && from->constant() && m)
    if (auto s = m->check_from(from->str()); !s)
      ctx.error(from->loc, "notify command: " + s.error());
  fcc::check(ctx, call, "notify");
}

void run_notify(Runtime& rt, const Args& a) {
  const auto reg = engine_methods(rt.settings());
  NotifyAction n;
  n.uri = rt.string(*a.find(kMethod));
  if (auto e = uri_error(reg, n.uri)) return rt.fail("notify action: " + *e);
  const methods::Method* m = reg.find(n.uri);
  n.method = std::string(m->scheme());
  if (auto imp = rt.string(a, kImportance)) {
    if (!valid_importance(*imp))
      return rt.fail("notify action: invalid :importance value '" + *imp + "'");
    n.importance = (*imp)[0] - '0';
  }
  if (a.has(kOptions)) {
    n.options = rt.strings(a, kOptions);
    for (const auto& o : n.options)
      if (auto s = methods::check_option_syntax(o); !s)
        return rt.fail("notify action: invalid :options argument: " + s.error());
  }
  if (auto from = rt.string(a, kFrom)) {
    if (auto s = m->check_from(*from); !s) return rt.fail("notify action: " + s.error());
    n.from = std::move(*from);
  }
  n.message = rt.string(a, kMessage);
  n.fcc = fcc::read(rt, a);
  const std::size_t limit = max_notifications(rt.settings());
  std::size_t count = 0;
  for (const auto& act : rt.actions().actions())
    if (std::holds_alternative<NotifyAction>(act)) ++count;
  if (count >= limit)
    return rt.fail(limit == 0 ? "notify action: " + std::string(kProhibited)
                              : "number of notify actions exceeds policy limit (" +
                                    std::to_string(limit) + ")");
  rt.check(rt.actions().notify(std::move(n)));
}

}  // namespace

void register_enotify(Registry& r) {
  r.add_extension({"enotify"});
  {
    CommandSpec s;
    s.name = "notify";
    s.extension = "enotify";
    s.positional = {{"method", ArgKind::String}};
    s.tags = {{"from", kFrom, ArgKind::String, "address"},
              {"importance", kImportance, ArgKind::String, "importance"},
              {"options", kOptions, ArgKind::StringList, "options"},
              {"message", kMessage, ArgKind::String, "message"}};
    for (auto& t : fcc::tags()) s.tags.push_back(std::move(t));
    s.check = check_notify;
    s.run = run_notify;
    r.add_command(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "valid_notify_method";
    s.is_test = true;
    s.extension = "enotify";
    s.positional = {{"notification uris", ArgKind::StringList}};
    // RFC 5435 §4: true iff every URI is supported and valid; never an error.
    s.test = [](Runtime& rt, const Args& a) {
      const auto reg = engine_methods(rt.settings());
      for (const auto& uri : rt.strings(a, 0))
        if (uri_error(reg, uri)) return false;
      return true;
    };
    r.add_command(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "notify_method_capability";
    s.is_test = true;
    s.extension = "enotify";
    s.positional = {{"notification uri", ArgKind::String},
                    {"notification capability", ArgKind::String},
                    {"key list", ArgKind::StringList}};
    s.groups = {TagGroup::Comparator, TagGroup::MatchType};
    // RFC 5435 §5: an invalid URI or an unknown capability is just false.
    s.test = [](Runtime& rt, const Args& a) {
      const auto reg = engine_methods(rt.settings());
      const std::string uri = rt.string(*a.find(0));
      const methods::Method* m = reg.find(uri);
      if (!m || uri_error(reg, uri)) return false;
      auto value = m->capability(uri, rt.string(*a.find(1)));
      if (!value) return false;
      std::vector<std::string> values{*value};
      return rt.match(a, values, rt.strings(a, 2));
    };
    r.add_command(std::move(s));
  }
  // RFC 5435 §6: percent-encoding for building URIs; precedence 15. The
  // size limit cuts on escape and character boundaries.
  variables::add_modifier(r, variables::Modifier{"encodeurl", 15, "enotify",
                                                 [](std::string_view v, const EngineSettings& s) {
                                                   return methods::encode_url(
                                                       v, variables::max_variable_size(s));
                                                 }});
}

}  // namespace zest::interp
