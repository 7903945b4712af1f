// The checks of a compilation, one node at a time: requires, argument
// signatures, tags and their conflicts, comparators, match types, and the
// structure of control commands. Messages follow Pigeonhole's wording and
// its choice of which of several problems to report.
#include "interp/checker.hpp"

#include <algorithm>
#include <utility>

#include "interp/comparator.hpp"

namespace zest::interp {
namespace {

using grammar::Argument;
using grammar::Location;
using grammar::Node;

std::string_view kind_name(const Argument& a) {
  if (std::holds_alternative<grammar::Number>(a)) return "number";
  if (std::holds_alternative<grammar::StringLiteral>(a)) return "string";
  if (std::holds_alternative<grammar::StringList>(a)) return "string list";
  return "tag";
}

std::string_view kind_name(ArgKind k) {
  switch (k) {
    case ArgKind::Number:
      return "number";
    case ArgKind::String:
      return "string";
    case ArgKind::StringList:
      return "string list";
    default:
      return "nothing";
  }
}

std::string_view article(std::string_view noun) {
  return (!noun.empty() &&
          (noun[0] == 'a' || noun[0] == 'e' || noun[0] == 'i' || noun[0] == 'o' || noun[0] == 'u'))
             ? "an"
             : "a";
}

// Marks a tag group as given; false when it already was.
bool mark_seen(unsigned& seen, TagGroup g) {
  const unsigned bit = 1u << static_cast<unsigned>(g);
  if ((seen & bit) != 0) return false;
  seen |= bit;
  return true;
}

void replace_slot(CheckedCall& call, CheckedArg a) {
  if (CheckedArg* old = call.find(a.slot)) {
    *old = std::move(a);
  } else {
    call.args.push_back(std::move(a));
  }
}

}  // namespace

std::string CheckedCall::what() const {
  return "the " + spec->name + (spec->is_test ? " test" : " command");
}

void CheckContext::error(grammar::Location loc, std::string message) {
  diags_.error(loc, std::move(message));
}

// ---- strings ----

std::string Checker::literal(const grammar::StringLiteral& s) {
  std::string v;
  literal_into(v, s);
  return v;
}

void Checker::literal_into(std::string& out, const grammar::StringLiteral& s) {
  if (!ctx_.encoded_character()) {
    out.assign(s.value);
    return;
  }
  auto r = expand_encoded_characters(s.value);
  if (!r.error.empty()) ctx_.error(s.loc, r.error);
  out = std::move(r.value);
}

// ---- reuse of checked calls' storage ----

CheckedArg Checker::new_arg() {
  if (spare_args_.empty()) return {};
  CheckedArg a = std::move(spare_args_.back());
  spare_args_.pop_back();
  a.slot = 0;
  a.kind = ArgKind::None;
  a.number = 0;
  a.loc = {};
  return a;
}

std::string Checker::new_string() {
  if (spare_strings_.empty()) return {};
  std::string s = std::move(spare_strings_.back());
  spare_strings_.pop_back();
  return s;
}

void Checker::recycle(CheckedCall&& call) {
  for (CheckedArg& a : call.args) {
    for (std::string& s : a.strings) spare_strings_.push_back(std::move(s));
    a.strings.clear();
    a.templates.clear();
    spare_args_.push_back(std::move(a));
  }
  call.args.clear();
  if (call.args.capacity() > spare_list_.capacity()) spare_list_ = std::move(call.args);
}

void Checker::add_string(CheckedArg& out, const grammar::StringLiteral& s, bool literal_slot) {
  std::string v = new_string();
  literal_into(v, s);
  const bool tmpl = !literal_slot && ctx_.variables() && has_variable_reference(v);
  if (tmpl && reg().template_check()) reg().template_check()(ctx_, s.loc, v);
  out.strings.push_back(std::move(v));
  out.templates.push_back(tmpl);
}

// Converts one syntax argument to the kind the signature asks for.
bool Checker::convert(const Argument& a, ArgKind want, Slot slot, bool literal_slot,
                      CheckedArg& out) {
  out.slot = slot;
  out.loc = grammar::location_of(a);
  if (want == ArgKind::Number) {
    const auto* n = std::get_if<grammar::Number>(&a);
    if (!n) return false;
    out.kind = ArgKind::Number;
    out.number = n->value;
    return true;
  }
  if (const auto* s = std::get_if<grammar::StringLiteral>(&a)) {
    out.kind = want;
    add_string(out, *s, literal_slot);
    return true;
  }
  if (const auto* l = std::get_if<grammar::StringList>(&a); l && want == ArgKind::StringList) {
    out.kind = ArgKind::StringList;
    for (const auto& s : l->items) add_string(out, s, literal_slot);
    return true;
  }
  return false;
}

// ---- one call against its description ----

// One call being checked. Pigeonhole reports only the first argument
// problem of a command: `first_error_given` tells when one was.
struct Checker::CallState {
  const Node& node;
  const CommandSpec* spec;
  CheckedCall call;
  std::size_t errors_before;
  std::vector<const Argument*>& positional;
  bool ok = true;
  bool misplaced_tag = false;

  // Only error messages use it: built when one is given.
  std::string what() const { return call.what(); }

  bool literal_slot(Slot s) const {
    for (Slot l : spec->literal_slots)
      if (l == s) return true;
    return false;
  }
};

bool Checker::first_error_given(const CallState& st) {
  return ctx_.diagnostics().error_count() != st.errors_before;
}

std::optional<CheckedCall> Checker::check_call(const Node& node, const CommandSpec* spec) {
  positional_.clear();
  CallState st{node, spec, CheckedCall{spec, node.loc, std::exchange(spare_list_, {})},
               ctx_.diagnostics().error_count(), positional_};
  st.call.args.clear();
  st.call.args.reserve(node.arguments.size());
  if (!check_tags(st) || !check_positionals(st) || !check_shape(st) || !st.ok) return std::nullopt;
  check_comparator(st.call);
  check_regex_keys(st.call);
  const std::size_t before = ctx_.diagnostics().error_count();
  if (spec->check) spec->check(ctx_, st.call);
  if (ctx_.diagnostics().error_count() != before) return std::nullopt;
  return std::move(st.call);
}

// The tags in front of the positional arguments; false to stop checking.
bool Checker::check_tags(CallState& st) {
  const CommandSpec* spec = st.spec;
  const grammar::Seq<Argument> args = st.node.arguments;
  unsigned groups_seen = 0;
  std::set<std::string_view> tags_seen;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (first_error_given(st)) return false;
    const auto* tag = std::get_if<grammar::Tag>(&args[i]);
    if (!tag) {
      st.positional.push_back(&args[i]);
      continue;
    }
    if (!st.positional.empty()) {
      // Pigeonhole reports a misplaced tag once and not also the
      // positional argument count it disturbs.
      const bool known = find_tag(spec, tag->name) != nullptr || tag->name == "comparator" ||
                         reg().group_member(TagGroup::MatchType, tag->name) ||
                         reg().group_member(TagGroup::AddressPart, tag->name);
      ctx_.error(tag->loc, known
                               ? "unexpected tagged argument ':" + std::string(tag->name) +
                                     "' found after " + "positional arguments of " + st.what()
                               : "unknown tagged argument ':" + std::string(tag->name) + "' for " +
                                     st.what() + " (reported only once at first occurrence)");
      st.ok = false;
      st.misplaced_tag = true;
      continue;
    }
    if (const TagSpec* ts = find_tag(spec, tag->name)) {
      if (!tags_seen.insert(ts->name).second) {
        ctx_.error(tag->loc,
                   "encountered duplicate tag ':" + std::string(tag->name) + "' for " + st.what());
        st.ok = false;
      }
      CheckedArg ca = new_arg();
      if (ts->value == ArgKind::None) {
        ca.slot = ts->slot;
        ca.kind = ArgKind::Number;
        ca.number = 1;
        ca.loc = tag->loc;
      } else if (i + 1 >= args.size() ||
                 !convert(args[i + 1], ts->value, ts->slot, st.literal_slot(ts->slot), ca)) {
        ctx_.error(
            tag->loc,
            "the :" + std::string(tag->name) + " tag for " + st.what() + " requires " +
                std::string(article(kind_name(ts->value))) + " " +
                std::string(kind_name(ts->value)) + " argument" +
                (ts->value_name.empty() ? std::string()
                                        : " (" + std::string(ts->value_name) + ")") +
                (i + 1 < args.size() ? ", but " + std::string(article(kind_name(args[i + 1]))) +
                                           " " + std::string(kind_name(args[i + 1])) + " was found"
                                     : ", but none was found"));
        st.ok = false;
        if (i + 1 < args.size() && !std::holds_alternative<grammar::Tag>(args[i + 1])) ++i;
        continue;
      } else {
        ++i;
      }
      replace_slot(st.call, std::move(ca));
      continue;
    }
    if (!check_group_tag(spec, st.call, *tag, args, i, groups_seen)) st.ok = false;
  }

  if (first_error_given(st)) {
    // A tag whose value is missing because the next word parsed as a
    // sub-test: Pigeonhole reports the stray sub-test as well.
    if (spec->subtests == Subtests::None && !st.node.tests.empty() && st.positional.empty() &&
        !args.empty() && std::holds_alternative<grammar::Tag>(args.back()))
      ctx_.error(st.node.loc, st.what() + " accepts no sub-tests, but tests are specified");
    return false;
  }
  return true;
}

// The positional arguments against the signature; false to stop checking.
bool Checker::check_positionals(CallState& st) {
  const CommandSpec* spec = st.spec;
  const std::size_t want = spec->positional.size();
  const std::size_t given = st.positional.size();
  // Leading optional positionals that were left out keep their slots empty.
  const std::size_t skipped =
      given < want && want - given <= spec->optional_leading ? want - given : 0;
  // Trailing optional positionals that were left out have no slot at all.
  const std::size_t left_out =
      skipped == 0 && given < want && want - given <= spec->optional_trailing ? want - given : 0;
  if (st.misplaced_tag) {
    st.ok = false;
    return true;
  }
  if (given + skipped + left_out != want) {
    const std::string wanted =
        spec->optional_trailing > 0
            ? std::to_string(want - spec->optional_trailing) + " to " + std::to_string(want)
            : std::to_string(want);
    ctx_.error(st.node.loc, st.what() + " requires " + wanted + " positional argument(s), but " +
                                std::to_string(given) + (given == 1 ? " is" : " are") +
                                " specified");
    st.ok = false;
    return true;
  }
  for (std::size_t p = skipped; p < want - left_out; ++p) {
    if (first_error_given(st)) return false;
    const PositionalSpec& ps = spec->positional[p];
    const Argument& arg = *st.positional[p - skipped];
    CheckedArg ca = new_arg();
    if (!convert(arg, ps.kind, static_cast<Slot>(p), st.literal_slot(static_cast<Slot>(p)), ca)) {
      const std::string_view found = kind_name(arg);
      ctx_.error(grammar::location_of(arg),
                 st.what() + " expects " + std::string(article(kind_name(ps.kind))) + " " +
                     std::string(kind_name(ps.kind)) + " as argument " + std::to_string(p + 1) +
                     " (" + std::string(ps.name) + "), but " + std::string(article(found)) + " " +
                     std::string(found) + " was found");
      st.ok = false;
      continue;
    }
    st.call.args.push_back(std::move(ca));
  }
  return true;
}

// Sub-tests and blocks, with Pigeonhole's hints for typos; false to stop.
bool Checker::check_shape(CallState& st) {
  const CommandSpec* spec = st.spec;
  const Node& node = st.node;
  // Typos that turn the next word into a sub-test get Pigeonhole's hints;
  // a forgotten tag colon is reported even after other errors.
  if (spec->subtests == Subtests::None && node.tests.size() == 1 && !node.has_test_list) {
    const grammar::Node& sub = node.tests[0];
    bool is_tag = sub.identifier == "comparator" && !spec->groups.empty();
    for (const TagSpec& t : spec->tags) is_tag = is_tag || t.name == sub.identifier;
    for (TagGroup g : spec->groups) is_tag = is_tag || reg().group_member(g, sub.identifier);
    if (is_tag) {
      ctx_.error(sub.loc, "missing colon before ':" + std::string(sub.identifier) + "' tag in " +
                              st.what().substr(4));
      return false;
    }
    if (!first_error_given(st) && !spec->is_test && !reg().command(sub.identifier, true)) {
      ctx_.error(sub.loc, "missing semicolon at end of " + st.what().substr(4));
      return false;
    }
  }
  if (first_error_given(st)) return false;
  if (spec->subtests == Subtests::None && !node.tests.empty()) {
    ctx_.error(node.loc, st.what() + " accepts no sub-tests, but tests are specified");
    st.ok = false;
  }
  if (first_error_given(st)) return false;
  if (!spec->is_test) {
    if (spec->block == BlockRule::None && node.has_block) {
      ctx_.error(node.loc, st.what() + " does not accept a block, but one is specified");
      st.ok = false;
    } else if (spec->block == BlockRule::Required && !node.has_block) {
      ctx_.error(node.loc, st.what() + " requires a block, but it is missing");
      st.ok = false;
    }
  }
  return true;
}

const TagSpec* Checker::find_tag(const CommandSpec* spec, std::string_view name) const {
  for (const TagSpec& t : spec->tags)
    if (t.name == name && (t.extension.empty() || ctx_.has(t.extension))) return &t;
  return nullptr;
}

bool Checker::check_group_tag(const CommandSpec* spec, CheckedCall& call, const grammar::Tag& tag,
                              grammar::Seq<Argument> args, std::size_t& i, unsigned& seen) {
  for (TagGroup g : spec->groups) {
    if (g == TagGroup::Comparator) {
      if (tag.name != "comparator") continue;
      if (!mark_seen(seen, g)) {
        ctx_.error(tag.loc, "multiple comparator arguments specified for " + call.what());
        return false;
      }
      const auto* s =
          i + 1 < args.size() ? std::get_if<grammar::StringLiteral>(&args[i + 1]) : nullptr;
      if (!s) {
        ctx_.error(tag.loc,
                   "the :comparator tag for " + call.what() + " requires one string argument");
        return false;
      }
      ++i;
      CheckedArg ca{kSlotComparator, ArgKind::String, 0, {literal(*s)}, {false}, s->loc};
      call.args.push_back(std::move(ca));
      return true;
    }
    const GroupMember* m = reg().group_member(g, tag.name);
    if (!m || (!m->extension.empty() && !ctx_.has(m->extension))) continue;
    if (!mark_seen(seen, g)) {
      ctx_.error(tag.loc, "multiple " + std::string(group_name(g)) + " arguments specified for " +
                              call.what());
      return false;
    }
    const Slot slot = g == TagGroup::MatchType ? kSlotMatchType : kSlotAddressPart;
    call.args.push_back(CheckedArg{slot, ArgKind::Number, m->id, {}, {}, tag.loc});
    if (m->value == ArgKind::String) {
      const auto* s =
          i + 1 < args.size() ? std::get_if<grammar::StringLiteral>(&args[i + 1]) : nullptr;
      if (!s) {
        ctx_.error(tag.loc, "the :" + std::string(tag.name) + " match type for " + call.what() +
                                " requires one string argument (relation)");
        return false;
      }
      ++i;
      const std::string rel = literal(*s);
      if (!parse_relation(rel)) {
        ctx_.error(s->loc, "the :" + std::string(tag.name) + " match type for " + call.what() +
                               " requires a valid relational operator, but '" + rel +
                               "' is invalid");
        return false;
      }
      call.args.push_back(CheckedArg{kSlotRelation, ArgKind::String, 0, {rel}, {false}, s->loc});
    }
    return true;
  }
  // As the message says (and Pigeonhole does): once per command and tag;
  // later occurrences still fail the command, silently.
  if (unknown_tags_
          .insert(std::string(spec->is_test ? "test " : "command ") + spec->name + " :" +
                  std::string(tag.name))
          .second)
    ctx_.error(tag.loc, "unknown tagged argument ':" + std::string(tag.name) + "' for " +
                            call.what() + " (reported only once at first occurrence)");
  return false;
}

void Checker::check_comparator(CheckedCall& call) {
  const CheckedArg* c = call.find(kSlotComparator);
  if (!c) return;
  if (const CheckedArg* m = call.find(kSlotMatchType);
      m && static_cast<MatchType>(m->number) == MatchType::List) {
    ctx_.error(c->loc, "the :list match type does not allow a comparator (" + call.what() + ")");
    return;
  }
  const std::string& name = c->str();
  const Comparator* cmp = reg().comparator(name);
  const std::string_view cap = reg().comparator_capability(name);
  if (!cmp || (!cap.empty() && !ctx_.has(cap))) {
    ctx_.error(c->loc, "unknown comparator '" + name + "' for " + call.what());
    return;
  }
  if (const CheckedArg* m = call.find(kSlotMatchType)) {
    const auto mt = static_cast<MatchType>(m->number);
    if (!cmp->substring &&
        (mt == MatchType::Contains || mt == MatchType::Matches || mt == MatchType::Regex)) {
      const std::string_view mname = mt == MatchType::Contains  ? "contains"
                                     : mt == MatchType::Matches ? "matches"
                                                                : "regex";
      ctx_.error(m->loc, "the comparator '" + name + "' does not support the :" +
                             std::string(mname) + " match type, as required by " + call.what());
    }
  }
}

// Constant :regex keys (the last positional argument) must compile.
void Checker::check_regex_keys(CheckedCall& call) {
  const CheckedArg* m = call.find(kSlotMatchType);
  const auto& check = reg().regex_key_check();
  if (!m || static_cast<MatchType>(m->number) != MatchType::Regex || !check ||
      call.spec->positional.empty())
    return;
  const Comparator* cmp = &ascii_casemap_comparator();
  if (const CheckedArg* c = call.find(kSlotComparator))
    if (const Comparator* found = reg().comparator(c->str())) cmp = found;
  const CheckedArg* keys = call.find(static_cast<Slot>(call.spec->positional.size() - 1));
  for (std::size_t i = 0; keys && i < keys->strings.size(); ++i)
    if (!keys->templates[i])
      if (auto err = check(keys->strings[i], *cmp))
        ctx_.error(keys->loc, "invalid regular expression '" + keys->strings[i] + "' for " +
                                  call.what() + ": " + *err);
}

void Checker::check_require(const Node& n, bool allowed) {
  if (!allowed) {
    ctx_.error(n.loc,
               "require commands can only be placed at top level at the beginning of the file");
    return;
  }
  if (n.arguments.size() != 1 || std::holds_alternative<grammar::Number>(n.arguments[0]) ||
      std::holds_alternative<grammar::Tag>(n.arguments[0]) || !n.tests.empty() || n.has_block) {
    ctx_.error(n.loc,
               "the require command expects a string list (capabilities) as its only argument");
    return;
  }
  std::vector<const grammar::StringLiteral*> caps;
  if (const auto* s = std::get_if<grammar::StringLiteral>(&n.arguments[0])) caps.push_back(s);
  if (const auto* l = std::get_if<grammar::StringList>(&n.arguments[0]))
    for (const auto& s : l->items) caps.push_back(&s);
  for (const auto* s : caps) {
    const std::string cap(s->value);
    const ExtensionSpec* ext = reg().extension(cap);
    if (!ext || !ctx_.settings().extension_enabled(cap)) {
      ctx_.error(s->loc, "require command: unknown Sieve capability '" + cap + "'");
      continue;
    }
    if (ctx_.settings().personal && ctx_.settings().restricted_to_global(cap)) {
      ctx_.error(s->loc, "require command: failed to load Sieve capability '" + cap +
                             "': its use is restricted to global scripts");
      continue;
    }
    report_conflict(s->loc, cap);
    ctx_.require(cap);
    for (const auto& implied : ext->implies) ctx_.require(implied);
  }
}

// ---- capabilities ----

void Checker::check_needs(const Location& loc) {
  for (const auto& cap : explicitly_required_)
    if (const ExtensionSpec* e = reg().extension(cap))
      for (const auto& need : e->needs)
        if (!ctx_.has(need))
          ctx_.error(loc,
                     "the " + cap + " extension cannot be used without the " + need + " extension");
}

// Extensions that exclude each other (draft notify and enotify).
void Checker::report_conflict(const Location& loc, const std::string& cap) {
  auto lists = [this](const std::string& a, const std::string& b) {
    const ExtensionSpec* e = reg().extension(a);
    return e && std::find(e->conflicts.begin(), e->conflicts.end(), b) != e->conflicts.end();
  };
  for (const auto& other : explicitly_required_)
    if (lists(cap, other) || lists(other, cap)) {
      ctx_.error(loc, "the " + cap + " extension cannot be used together with the " + other +
                          " extension");
      break;
    }
  explicitly_required_.insert(cap);
}

// Blocks and tests together may nest twice the per-kind limit.
bool Checker::nesting_ok(const Node& n, std::size_t depth) {
  if (depth < 2 * ctx_.settings().max_nesting + 2) return true;
  ctx_.error(n.loc, "the nesting of blocks and tests is too deep (more than " +
                        std::to_string(ctx_.settings().max_nesting) + " levels)");
  return false;
}

const CommandSpec* Checker::lookup(const Node& n, bool as_test) {
  if (lookups_version_ != ctx_.capabilities_version()) {
    lookups_.clear();
    lookups_version_ = ctx_.capabilities_version();
  }
  for (const Lookup& l : lookups_)
    if (l.as_test == as_test && l.name == n.identifier) return l.spec;
  const CommandSpec* spec =
      reg().command_in(n.identifier, as_test, [&](std::string_view e) { return ctx_.has(e); });
  if (spec && (spec->extension.empty() || ctx_.has(spec->extension))) {
    if (lookups_.size() < 64) lookups_.push_back({n.identifier, as_test, spec});
    return spec;
  }
  const CommandSpec* other = reg().command(n.identifier, !as_test);
  if (other && (other->extension.empty() || ctx_.has(other->extension))) {
    ctx_.error(n.loc, std::string("cannot use ") + (as_test ? "command" : "test") + " '" +
                          std::string(n.identifier) + "' as " + (as_test ? "test" : "command"));
    return nullptr;
  }
  if (reported_unknown_.insert((as_test ? "t:" : "c:") + std::string(n.identifier)).second)
    ctx_.error(n.loc, std::string("unknown ") + (as_test ? "test" : "command") + " '" +
                          std::string(n.identifier) + "' (only reported once at first occurrence)");
  return nullptr;
}

// The capabilities of an `ihave` test when all are available to it.
std::optional<std::vector<std::string>> Checker::ihave_capabilities(const Node& t) {
  if (t.arguments.size() != 1) return std::nullopt;
  std::vector<std::string> caps;
  if (const auto* s = std::get_if<grammar::StringLiteral>(&t.arguments[0]))
    caps.push_back(literal(*s));
  if (const auto* l = std::get_if<grammar::StringList>(&t.arguments[0]))
    for (const auto& s : l->items) caps.push_back(literal(s));
  if (caps.empty()) return std::nullopt;
  for (const auto& cap : caps)
    if (!ihave_available(reg(), ctx_.settings(), cap)) return std::nullopt;
  return caps;
}

void Checker::check_script_end(const grammar::Script& script) {
  if (std::all_of(script.commands.begin(), script.commands.end(),
                  [](const Node& n) { return n.identifier == "require"; }))
    check_needs(script.commands.empty() ? Location{1, 1} : script.commands.back().loc);
}

std::vector<std::string> Checker::capabilities_used() const {
  std::set<std::string> all = ever_required_;
  all.insert(ctx_.required().begin(), ctx_.required().end());
  return {all.begin(), all.end()};
}

Checker::IhaveScope Checker::enter_ihave(const Node& test) {
  IhaveScope scope;
  if (test.identifier != "ihave" || !ctx_.has("ihave")) return scope;
  auto caps = ihave_capabilities(test);
  if (!caps) {
    scope.unavailable = true;
    return scope;
  }
  scope.outer = ctx_.required();
  for (const auto& cap : *caps) {
    report_conflict(test.loc, cap);
    ctx_.require(cap);
    ever_required_.insert(cap);
    if (const ExtensionSpec* ext = reg().extension(cap))
      for (const auto& implied : ext->implies) {
        ctx_.require(implied);
        ever_required_.insert(implied);
      }
  }
  return scope;
}

void Checker::leave_ihave(IhaveScope scope) {
  if (scope.outer) ctx_.restore_required(std::move(*scope.outer));
}

// ---- structure ----

void Checker::check_branch(const Node& n) {
  const bool is_else = n.identifier == "else";
  // Built only for a message (every if and elsif passes here).
  const auto what = [&n] { return "the " + std::string(n.identifier) + " command"; };
  if (!n.arguments.empty()) ctx_.error(n.loc, what() + " accepts no arguments");
  if (is_else ? !n.tests.empty() : n.tests.size() != 1 || n.has_test_list)
    ctx_.error(n.loc, is_else ? what() + " accepts no tests"
                              : what() + " requires one test, but " +
                                    std::to_string(n.tests.size()) + " are specified");
  if (!n.has_block) ctx_.error(n.loc, what() + " requires a block");
}

std::size_t Checker::check_orphan_branch(grammar::Seq<Node> nodes, std::size_t i) {
  const Node& n = nodes[i];
  ctx_.error(n.loc,
             "the " + std::string(n.identifier) + " command must follow an if or elsif command");
  while (i + 1 < nodes.size() && n.identifier != "else" &&
         (nodes[i + 1].identifier == "elsif" || nodes[i + 1].identifier == "else")) {
    if (nodes[++i].identifier == "else") break;
  }
  return i;
}

void Checker::check_stop(const Node& n) {
  // One error per kind of surplus, as Pigeonhole counts them.
  if (!n.arguments.empty()) ctx_.error(n.loc, "the stop command accepts no arguments");
  if (!n.tests.empty()) ctx_.error(n.loc, "the stop command accepts no tests");
  if (n.has_block && n.arguments.empty() && n.tests.empty())
    ctx_.error(n.loc, "the stop command does not accept a block");
}

bool Checker::check_control_test(const Node& t) {
  const std::string_view id = t.identifier;
  const std::string what = "the " + std::string(id) + " test";
  if (!t.arguments.empty()) ctx_.error(t.loc, what + " accepts no arguments");
  if (id == "true" || id == "false") {
    if (!t.tests.empty())
      ctx_.error(t.loc, what + " accepts no sub-tests, but tests are specified");
    return true;
  }
  if (id == "not") {
    if (t.tests.size() != 1 || t.has_test_list) {
      ctx_.error(t.loc, what + " requires one test");
      return false;
    }
    return true;
  }
  if (!t.has_test_list || t.tests.empty()) {
    ctx_.error(t.loc, what + " requires a list of tests");
    return false;
  }
  return true;
}

}  // namespace zest::interp
