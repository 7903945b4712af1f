// RFC 5235 spamtest, spamtestplus and virustest. Which header holds the
// verdict and how to read it is configured as in Pigeonhole (settings
// without the "sieve_" prefix):
//   <p>_status_header  "Header-Name[:regex]" (the regex's first group is the value)
//   <p>_status_type    score | strlen | text
//   <p>_max_header     "Header-Name[:regex]", or <p>_max_value (score, strlen)
//   <p>_text_valueN    the text meaning value N (text)
// with <p> = spamtest or virustest.
#include <re2/re2.h>

#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "base/text.hpp"
#include "interp/checker.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"
#include "mail/message.hpp"

namespace zest::interp {
namespace {

constexpr Slot kValue = 0;
constexpr Slot kPercent = 16;

// Reads "Header-Name[:regex]" from the message: the first group of the
// regex (or the whole value without one) of the first such field.
std::optional<std::string> read_header(Runtime& rt, std::string_view spec) {
  const auto colon = spec.find(':');
  const std::string_view name = base::trim(spec.substr(0, colon), " \t");
  if (name.empty()) return std::nullopt;
  const auto fields = rt.message().header_raw(name);
  if (fields.empty()) return std::nullopt;
  const std::string value(base::trim(fields.front(), " \t"));
  if (colon == std::string_view::npos) return value;
  const std::string_view pattern = base::trim(spec.substr(colon + 1), " \t");
  RE2::Options o;
  o.set_posix_syntax(true);
  o.set_longest_match(true);
  o.set_log_errors(false);
  RE2 re(pattern, o);
  if (!re.ok()) {
    rt.log(LogLevel::Warning, "invalid regular expression in header setting '" + std::string(spec) +
                                  "': " + re.error());
    return std::nullopt;
  }
  re2::StringPiece groups[2];
  const int n = re.NumberOfCapturingGroups() >= 1 ? 2 : 1;
  if (!re.Match(value, 0, value.size(), RE2::UNANCHORED, groups, n)) return std::nullopt;
  const re2::StringPiece& g = groups[n - 1];
  return g.data() ? std::string(g.data(), g.size()) : std::string();
}

std::optional<double> parse_decimal(std::string_view s) {
  s = base::trim(s, " \t");
  if (s.empty()) return std::nullopt;
  const std::string copy(s);
  char* end = nullptr;
  const double v = std::strtod(copy.c_str(), &end);
  if (end == copy.c_str() || std::isnan(v) || std::isinf(v)) return std::nullopt;
  return v;
}

// The verdict as a fraction of the maximum in [0, 1], or nullopt when the
// message was not tested or the configuration does not say how to read it.
// `text_max` is the largest text_valueN (10 for spamtest, 5 for virustest).
std::optional<double> verdict(Runtime& rt, std::string_view prefix, int text_max) {
  const EngineSettings& cfg = rt.settings();
  const std::string p(prefix);
  const std::string status_header = cfg.value(p + "_status_header");
  if (status_header.empty()) return std::nullopt;
  const auto status = read_header(rt, status_header);
  if (!status) return std::nullopt;
  const std::string type = base::to_lower(cfg.value(p + "_status_type", "score"));

  if (type == "text") {
    for (int i = 0; i <= text_max; ++i) {
      const std::string want = cfg.value(p + "_text_value" + std::to_string(i));
      if (!want.empty() && base::iequals(base::trim(want, " \t"), base::trim(*status, " \t")))
        return static_cast<double>(i) / text_max;
    }
    return std::nullopt;
  }

  double max = 0;
  if (const std::string mh = cfg.value(p + "_max_header"); !mh.empty()) {
    const auto m = read_header(rt, mh);
    const auto v = m ? parse_decimal(*m) : std::nullopt;
    if (!v) return std::nullopt;
    max = *v;
  } else if (const auto v = parse_decimal(cfg.value(p + "_max_value"))) {
    max = *v;
  }
  if (max <= 0) return std::nullopt;

  double value = 0;
  if (type == "strlen") {
    value = static_cast<double>(status->size());
  } else if (type == "score") {
    const auto v = parse_decimal(*status);
    if (!v) return std::nullopt;
    value = *v;
  } else {
    return std::nullopt;
  }
  if (value < 0) value = 0;
  if (value > max) value = max;
  return value / max;
}

// RFC 5235 §3.1/§3.2: "0" means not tested; otherwise 1..10 (spamtest),
// 1..5 (virustest), or a percentage with :percent.
std::string test_value(Runtime& rt, std::string_view prefix, int levels, bool percent) {
  const auto v = verdict(rt, prefix, levels);
  if (!v) return "0";
  if (percent) return std::to_string(static_cast<int>(std::lround(*v * 100)));
  const int level = 1 + static_cast<int>(std::floor(*v * (levels - 1) + 1e-9));
  return std::to_string(level);
}

// RFC 5235 §3: the default comparator is i;ascii-numeric; Pigeonhole still
// allows :contains/:matches without one, which then use i;ascii-casemap.
void default_comparator(CheckContext&, CheckedCall& call) {
  if (call.find(kSlotComparator)) return;
  if (const CheckedArg* m = call.find(kSlotMatchType)) {
    const auto mt = static_cast<MatchType>(m->number);
    if (mt == MatchType::Contains || mt == MatchType::Matches || mt == MatchType::Regex) return;
  }
  CheckedArg c;
  c.slot = kSlotComparator;
  c.kind = ArgKind::String;
  c.strings = {"i;ascii-numeric"};
  c.templates = {false};
  c.loc = call.loc;
  call.args.push_back(std::move(c));
}

void add_test(Registry& r, const char* name, const char* prefix, int levels) {
  CommandSpec s;
  s.name = name;
  s.is_test = true;
  s.extension = name;
  s.positional = {{"value", ArgKind::String}};
  if (levels == 10) s.tags = {{"percent", kPercent, ArgKind::None, {}, "spamtestplus"}};
  s.groups = {TagGroup::Comparator, TagGroup::MatchType};
  s.check = default_comparator;
  s.test = [prefix, levels](Runtime& rt, const Args& a) {
    const std::vector<std::string> values{test_value(rt, prefix, levels, a.has(kPercent))};
    return rt.match(a, values, rt.strings(a, kValue));
  };
  r.add_command(std::move(s));
}

}  // namespace

void register_spamvirustest(Registry& r) {
  r.add_extension({"spamtest"});
  r.add_extension({"spamtestplus", {"spamtest"}});
  r.add_extension({"virustest"});
  add_test(r, "spamtest", "spamtest", 10);
  add_test(r, "virustest", "virustest", 5);
}

}  // namespace zest::interp
