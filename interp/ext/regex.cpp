// draft-murchison-sieve-regex: the :regex match type, using RE2 in POSIX
// syntax with leftmost-longest matching (linear time; see docs/regex.md
// for the differences from POSIX ERE).
#include "interp/ext/regex.hpp"

#include <re2/re2.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "interp/comparator.hpp"
#include "interp/ext/variables.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"

namespace zest::interp {
namespace {

// Pigeonhole keeps at most this many match values; ${0} is the whole match.
constexpr int kMaxGroups = 31;

RE2::Options options_for(const Comparator& cmp) {
  RE2::Options o;
  o.set_posix_syntax(true);
  o.set_longest_match(true);
  o.set_log_errors(false);
  o.set_case_sensitive(cmp.name != "i;ascii-casemap" && !cmp.unicode);  // RE2 folds Unicode case
  o.set_max_mem(8 << 20);
  return o;
}

// Compiled patterns of one run, by (pattern, case-sensitivity).
struct RegexCache {
  std::map<std::pair<std::string, bool>, std::unique_ptr<RE2>> compiled;
};

const RE2* compiled(Runtime& rt, const Comparator& cmp, const std::string& pattern) {
  auto& cache = rt.state<RegexCache>().compiled;
  const RE2::Options o = options_for(cmp);
  auto key = std::make_pair(pattern, o.case_sensitive());
  auto it = cache.find(key);
  if (it == cache.end())
    it = cache.emplace(std::move(key), std::make_unique<RE2>(pattern, o)).first;
  return it->second->ok() ? it->second.get() : nullptr;
}

bool regex_match(Runtime& rt, const Comparator& cmp, const std::vector<std::string>& values,
                 const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    const RE2* re = compiled(rt, cmp, k);
    if (!re) {
      // A pattern built at run time: report it and let it match nothing.
      RE2 bad(k, options_for(cmp));
      rt.log(LogLevel::Error,
             "invalid regular expression '" + k + "' for regex match: " + bad.error());
      continue;
    }
    const int groups = std::min(re->NumberOfCapturingGroups(), kMaxGroups) + 1;
    std::vector<re2::StringPiece> sub(static_cast<std::size_t>(groups));
    for (const auto& v : values) {
      // A match cannot be interrupted: charge its worst case up front.
      const auto cost = regex_match_cost(re->ProgramSize(), v.size());
      CpuBudget& budget = rt.cpu_budget();
      if (budget.exceeded(cost)) {
        rt.fail(budget.exceeded_message());
        return false;
      }
      budget.charge(cost);
      // Without submatches RE2 can use its DFA; extract them only for a hit.
      bool m = re->Match(v, 0, v.size(), RE2::UNANCHORED, nullptr, 0);
      if (m) m = re->Match(v, 0, v.size(), RE2::UNANCHORED, sub.data(), groups);
      if (rt.tracing(4))
        rt.trace("        matching value '" + v + "' :regex '" + k +
                 "': " + (m ? "matched" : "no"));
      if (!m) continue;
      std::vector<std::string> mv;
      mv.reserve(sub.size());
      for (const auto& s : sub) mv.emplace_back(s.data() ? std::string(s.data(), s.size()) : "");
      rt.set_match_values(std::move(mv));
      return true;
    }
  }
  return false;
}

}  // namespace

std::string quote_regex(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (std::string_view("\\^$.[]|()?*+{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

void register_regex(Registry& r) {
  r.add_extension({"regex"});
  r.add_group_member(TagGroup::MatchType,
                     {"regex", static_cast<std::uint8_t>(MatchType::Regex), "regex"});
  r.set_regex_matcher(regex_match);
  // The :quoteregex modifier of "set" (precedence 20, as :quotewildcard).
  variables::add_modifier(
      r, {"quoteregex", 20, "regex",
          [](std::string_view v, const EngineSettings&) { return quote_regex(v); }});
  r.set_regex_key_check(
      [](std::string_view pattern, const Comparator& cmp) -> std::optional<std::string> {
        RE2 re(pattern, options_for(cmp));
        if (re.ok()) return std::nullopt;
        return re.error();
      });
}

}  // namespace zest::interp
