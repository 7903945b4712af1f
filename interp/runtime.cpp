#include "interp/runtime.hpp"

#include "base/utf8.hpp"
#include "mail/message.hpp"

namespace zest::interp {

namespace {

constexpr std::size_t kDefaultMaxVariableSize = 4096;

std::size_t variable_size_limit(const EngineSettings& settings) {
  const std::string v = settings.value("variables_max_variable_size");
  if (v.empty()) return kDefaultMaxVariableSize;
  return parse_memory_size(v).value_or(kDefaultMaxVariableSize);
}

std::size_t total_size(const std::vector<std::string>& v) {
  std::size_t n = 0;
  for (const auto& s : v) n += s.size();
  return n;
}

}  // namespace

Runtime::Runtime(const Program& program, const mail::Message& message, const Envelope& envelope,
                 Host& host, const EngineSettings& settings, const Registry& registry,
                 ResultState& result)
    : program_(&program),
      message_(&message),
      envelope_(&envelope),
      host_(&host),
      settings_(&settings),
      registry_(&registry),
      result_(&result),
      cpu_budget_(std::make_shared<CpuBudget>(settings.max_cpu_time)),
      memory_budget_(std::make_shared<MemoryBudget>(settings.max_memory)),
      max_variable_size_(variable_size_limit(settings)) {}

const mail::Message& Runtime::message() const {
  if (const mail::Message* edited = result_->actions.edited_message(message_)) return *edited;
  return *message_;
}

std::string Runtime::expand(const PoolString& s) const {
  const std::string_view text = program_->text(s);
  if (!s.is_template) return std::string(text);
  if (expander_) return expander_(*this, text);
  if (const auto& e = registry_->expander()) return e(*this, text);
  return std::string(text);
}

std::string Runtime::string(const ArgValue& v) const {
  const PoolString* s = nullptr;
  if (v.kind == ArgKind::String) s = &program_->strings[v.first];
  if (v.kind == ArgKind::StringList && v.count > 0)
    s = &program_->strings[program_->string_refs[v.first]];
  if (s) {
    if (!s->is_template || memory_budget_->exceeded())
      return s->is_template ? std::string() : std::string(program_->text(*s));
    std::string out = expand(*s);
    memory_budget_->use(out.size());
    return out;
  }
  if (v.kind == ArgKind::Number) return std::to_string(v.number);
  return {};
}

std::vector<std::string> Runtime::strings(const ArgValue& v) const {
  std::vector<std::string> out;
  auto add = [&](const PoolString& s) {
    if (!s.is_template) return out.push_back(std::string(program_->text(s)));
    // Over the memory limit: stop building strings; the VM ends the run.
    if (memory_budget_->exceeded()) return;
    out.push_back(expand(s));
    memory_budget_->use(out.back().size());
  };
  if (v.kind == ArgKind::String) {
    add(program_->strings[v.first]);
  } else if (v.kind == ArgKind::StringList) {
    out.reserve(v.count);
    for (std::uint32_t i = 0; i < v.count; ++i)
      add(program_->strings[program_->string_refs[v.first + i]]);
  }
  return out;
}

StringList Runtime::string_list(const ArgValue& v) const {
  StringList out;
  auto add = [&](const PoolString& s) {
    if (!s.is_template) {
      out.views.emplace_back(program_->text(s));
      return;
    }
    // Over the memory limit: stop building strings; the VM ends the run.
    if (memory_budget_->exceeded()) return;
    memory_budget_->use(out.expanded.emplace_back(expand(s)).size());
    out.views.emplace_back(out.expanded.back());
  };
  if (v.kind == ArgKind::String) {
    out.expanded.reserve(program_->strings[v.first].is_template ? 1 : 0);
    add(program_->strings[v.first]);
  } else if (v.kind == ArgKind::StringList) {
    // Room for every expansion first: the views point into `expanded`.
    std::size_t templates = 0;
    for (std::uint32_t i = 0; i < v.count; ++i)
      templates += program_->strings[program_->string_refs[v.first + i]].is_template;
    out.expanded.reserve(templates);
    out.views.reserve(v.count);
    for (std::uint32_t i = 0; i < v.count; ++i)
      add(program_->strings[program_->string_refs[v.first + i]]);
  }
  return out;
}

StringList Runtime::string_list(const Args& a, Slot s) const {
  const ArgValue* v = a.find(s);
  return v ? string_list(*v) : StringList{};
}

void Runtime::set_match_values(std::vector<std::string> v) {
  for (auto& s : v)
    if (s.size() > max_variable_size_) s.resize(base::utf8_truncate(s, max_variable_size_).size());
  memory_budget_->hold(total_size(match_values_), total_size(v));
  match_values_ = std::move(v);
}

std::optional<std::string> Runtime::string(const Args& a, Slot s) const {
  const ArgValue* v = a.find(s);
  if (!v) return std::nullopt;
  return string(*v);
}

std::vector<std::string> Runtime::strings(const Args& a, Slot s) const {
  const ArgValue* v = a.find(s);
  return v ? strings(*v) : std::vector<std::string>{};
}

void Runtime::fail(std::string message) {
  if (!error_) error_ = RuntimeError{std::move(message), current_line_};
}

template <typename Value, typename Key>
bool Runtime::match_values_against(const Args& a, std::span<const Value> values,
                                   std::span<const Key> keys,
                                   const Comparator* default_comparator) {
  const Comparator* cmp = default_comparator ? default_comparator : &ascii_casemap_comparator();
  if (const ArgValue* c = a.find(kSlotComparator)) {
    const Comparator* found = registry_->comparator(raw(*c));
    if (found) cmp = found;
  }
  const auto type = static_cast<MatchType>(a.number(kSlotMatchType, 0));
  Relation rel = Relation::Eq;
  if (const ArgValue* r = a.find(kSlotRelation))
    rel = parse_relation(raw(*r)).value_or(Relation::Eq);

  if (tracing(4)) {
    static constexpr const char* kTypes[] = {":is",    ":contains", ":matches", ":count",
                                             ":value", ":regex",    ":list"};
    std::string line = "      starting " + std::string(kTypes[static_cast<int>(type)]);
    if (const ArgValue* r = a.find(kSlotRelation)) line += " \"" + std::string(raw(*r)) + "\"";
    trace(line + " match with '" + std::string(cmp->name) + "' comparator:");
    if (values.empty()) trace("        no values to match");
  }
  switch (type) {
    case MatchType::Is:
      for (const auto& v : values)
        for (const auto& k : keys) {
          const bool m = match_is(*cmp, v, k);
          if (tracing(4))
            trace("        matching value '" + std::string(v) + "' :is '" + std::string(k) +
                  "': " + (m ? "matched" : "no"));
          if (m) return true;
        }
      return false;
    case MatchType::Contains:
      for (const auto& v : values)
        for (const auto& k : keys) {
          const bool m = match_contains(*cmp, v, k);
          if (tracing(4))
            trace("        matching value '" + std::string(v) + "' :contains '" + std::string(k) +
                  "': " + (m ? "matched" : "no"));
          if (m) return true;
        }
      return false;
    case MatchType::Matches: {
      std::vector<std::string> groups;
      for (const auto& v : values)
        for (const auto& k : keys) {
          const bool m = match_wildcard(*cmp, v, k, &groups);
          if (tracing(4))
            trace("        matching value '" + std::string(v) + "' :matches '" + std::string(k) +
                  "': " + (m ? "matched" : "no"));
          if (m) {
            set_match_values(std::move(groups));
            return true;
          }
        }
      return false;
    }
    case MatchType::Count: {
      const std::string count = std::to_string(values.size());
      for (const auto& k : keys) {
        const bool m = relation_holds(rel, cmp->compare(count, k));
        if (tracing(4))
          trace("        matching count '" + count + "' :count '" + std::string(k) +
                "': " + (m ? "matched" : "no"));
        if (m) return true;
      }
      return false;
    }
    case MatchType::Value:
      for (const auto& v : values)
        for (const auto& k : keys) {
          const bool m = relation_holds(rel, cmp->compare(v, k));
          if (tracing(4))
            trace("        matching value '" + std::string(v) + "' :value '" + std::string(k) +
                  "': " + (m ? "matched" : "no"));
          if (m) return true;
        }
      return false;
    case MatchType::Regex: {
      const auto& hook = registry_->regex_matcher();
      if (!hook) return false;
      const std::vector<std::string> v(values.begin(), values.end()), k(keys.begin(), keys.end());
      return hook(*this, *cmp, v, k);
    }
    case MatchType::List: {
      const auto& hook = registry_->list_matcher();
      if (!hook) return false;
      const std::vector<std::string> v(values.begin(), values.end()), k(keys.begin(), keys.end());
      return hook(*this, *cmp, v, k);
    }
  }
  return false;
}

bool Runtime::match(const Args& a, std::span<const std::string> values,
                    std::span<const std::string> keys, const Comparator* default_comparator) {
  return match_values_against(a, values, keys, default_comparator);
}

bool Runtime::match(const Args& a, std::span<const std::string_view> values,
                    std::span<const std::string> keys, const Comparator* default_comparator) {
  return match_values_against(a, values, keys, default_comparator);
}

bool Runtime::match(const Args& a, std::span<const std::string> values,
                    std::span<const std::string_view> keys, const Comparator* default_comparator) {
  return match_values_against(a, values, keys, default_comparator);
}

bool Runtime::match(const Args& a, std::span<const std::string_view> values,
                    std::span<const std::string_view> keys, const Comparator* default_comparator) {
  return match_values_against(a, values, keys, default_comparator);
}

}  // namespace zest::interp
