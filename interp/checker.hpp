// The checker: a syntax tree node checked against its registry description
// (requires, argument signatures, tags, comparators, match types) becomes a
// CheckedCall. Extension check hooks see the command as checked so far and
// report problems with locations through the CheckContext. The compiler
// walks the tree, asks the checker about each node and emits the result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <typeindex>
#include <vector>

#include "grammar/ast.hpp"
#include "grammar/diagnostics.hpp"
#include "interp/registry.hpp"
#include "interp/settings.hpp"

namespace zest::interp {

struct CheckedArg {
  Slot slot = 0;
  ArgKind kind = ArgKind::None;
  std::uint64_t number = 0;
  std::vector<std::string> strings;  // String: one; StringList: members
  std::vector<bool> templates;       // per string: needs run-time expansion
  grammar::Location loc;

  bool constant() const {
    for (bool t : templates)
      if (t) return false;
    return true;
  }
  const std::string& str() const { return strings.front(); }
};

struct CheckedCall {
  const CommandSpec* spec = nullptr;
  grammar::Location loc;
  std::vector<CheckedArg> args;

  CheckedArg* find(Slot s) {
    for (auto& a : args)
      if (a.slot == s) return &a;
    return nullptr;
  }
  std::string what() const;  // "the header test", "the fileinto command"
};

class Host;

// What the compilation of a script shares with the compilations of the
// scripts it includes: the host that resolves them (none: included scripts
// are only checked when they run) and state kept across the nesting.
struct CompileEnv {
  Host* host = nullptr;
  std::map<std::type_index, std::shared_ptr<void>> shared;
};

class CheckContext {
 public:
  CheckContext(const Registry& registry, const EngineSettings& settings,
               grammar::Diagnostics& diags, CompileEnv* env = nullptr)
      : registry_(registry), settings_(settings), diags_(diags), env_(env) {}
  CompileEnv* env() { return env_; }
  // The block commands enclosing the command being checked, outermost first.
  const std::vector<CheckedCall>& open_blocks() const { return blocks_; }
  void push_block(CheckedCall call) { blocks_.push_back(std::move(call)); }
  void pop_block() { blocks_.pop_back(); }

  void error(grammar::Location loc, std::string message);
  void warning(grammar::Location loc, std::string message) {
    diags_.warning(loc, std::move(message));
  }
  bool has(std::string_view capability) const { return required_.count(capability) > 0; }
  void require(std::string capability) {
    required_.insert(std::move(capability));
    cache_capabilities();
  }
  const std::set<std::string, std::less<>>& required() const { return required_; }
  // Puts back an earlier set (capabilities enabled only inside an ihave block).
  void restore_required(std::set<std::string, std::less<>> r) {
    required_ = std::move(r);
    cache_capabilities();
  }
  // has("encoded-character") and has("variables"), asked for every string.
  bool encoded_character() const { return encoded_character_; }
  // Changes whenever the set of required capabilities does.
  std::uint64_t capabilities_version() const { return capabilities_version_; }
  bool variables() const { return variables_; }
  const Registry& registry() const { return registry_; }
  const EngineSettings& settings() const { return settings_; }
  grammar::Diagnostics& diagnostics() { return diags_; }
  bool too_many_errors() const { return diags_.error_count() >= settings_.max_errors; }
  // Per-extension state of this compilation (e.g. declared variables).
  template <class T>
  T& state() {
    auto& p = state_[std::type_index(typeid(T))];
    if (!p) p = std::make_shared<T>();
    return *static_cast<T*>(p.get());
  }

 private:
  const Registry& registry_;
  const EngineSettings& settings_;
  void cache_capabilities() {
    ++capabilities_version_;
    encoded_character_ = has("encoded-character");
    variables_ = has("variables");
  }

  grammar::Diagnostics& diags_;
  std::set<std::string, std::less<>> required_;
  bool encoded_character_ = false;
  bool variables_ = false;
  std::uint64_t capabilities_version_ = 0;
  std::map<std::type_index, std::shared_ptr<void>> state_;
  CompileEnv* env_ = nullptr;
  std::vector<CheckedCall> blocks_;
};

// The checks of one compilation, called by the compiler in the order of its
// walk over the tree (diagnostics come out in that order).
class Checker {
 public:
  Checker(const Registry& registry, const EngineSettings& settings, grammar::Diagnostics& diags,
          CompileEnv* env)
      : ctx_(registry, settings, diags, env) {}

  bool has_errors() { return ctx_.diagnostics().has_errors(); }
  bool too_many_errors() const { return ctx_.too_many_errors(); }

  // ---- capabilities ----

  // A require command; `allowed` is false past the leading requires.
  void check_require(const grammar::Node& n, bool allowed);
  // Extensions usable only with another one (extracttext needs variables);
  // checked once the leading requires are over.
  void check_needs(const grammar::Location& loc);
  // The end of a script: one that holds only requires is checked here.
  void check_script_end(const grammar::Script& script);
  // Every capability any part of the script required (ihave blocks too).
  std::vector<std::string> capabilities_used() const;

  // RFC 5463: a block guarded by an `ihave` test is checked with those
  // capabilities required, or skipped when one is unavailable.
  struct IhaveScope {
    std::optional<std::set<std::string, std::less<>>> outer;  // to put back
    bool unavailable = false;
  };
  IhaveScope enter_ihave(const grammar::Node& test);
  void leave_ihave(IhaveScope scope);

  // ---- structure ----

  // A backstop for trees that did not come through the parser's limits.
  bool nesting_ok(const grammar::Node& n, std::size_t depth);
  // if / elsif / else: arguments, test and block.
  void check_branch(const grammar::Node& n);
  // An elsif or else without an if at nodes[i]; returns the index of the
  // last node of that if-less structure (the rest is not reported again).
  std::size_t check_orphan_branch(grammar::Seq<grammar::Node> nodes, std::size_t i);
  void check_stop(const grammar::Node& n);
  // allof, anyof, not, true, false; false when the test cannot be compiled.
  bool check_control_test(const grammar::Node& t);

  // ---- commands and tests ----

  // The description of a command or test enabled by the requires, or null
  // after reporting an unknown or misused identifier.
  const CommandSpec* lookup(const grammar::Node& n, bool as_test);
  // The node checked against its description; nullopt after errors.
  std::optional<CheckedCall> check_call(const grammar::Node& node, const CommandSpec* spec);
  // The block command whose block is being checked (seen by break, extracttext).
  void enter_block(const CheckedCall& call) { ctx_.push_block(call); }
  void leave_block() { ctx_.pop_block(); }
  // Hands back a call that has been emitted: the next calls reuse its
  // vectors and strings instead of allocating their own.
  void recycle(CheckedCall&& call);

 private:
  struct CallState;
  bool first_error_given(const CallState& st);
  bool check_tags(CallState& st);
  bool check_positionals(CallState& st);
  bool check_shape(CallState& st);

  const Registry& reg() const { return ctx_.registry(); }
  std::string literal(const grammar::StringLiteral& s);
  void literal_into(std::string& out, const grammar::StringLiteral& s);
  CheckedArg new_arg();
  std::string new_string();
  void add_string(CheckedArg& out, const grammar::StringLiteral& s, bool literal_slot);
  bool convert(const grammar::Argument& a, ArgKind want, Slot slot, bool literal_slot,
               CheckedArg& out);
  const TagSpec* find_tag(const CommandSpec* spec, std::string_view name) const;
  // `seen`: a bit per TagGroup already given.
  bool check_group_tag(const CommandSpec* spec, CheckedCall& call, const grammar::Tag& tag,
                       grammar::Seq<grammar::Argument> args, std::size_t& i, unsigned& seen);
  void check_comparator(CheckedCall& call);
  void check_regex_keys(CheckedCall& call);
  void report_conflict(const grammar::Location& loc, const std::string& cap);
  std::optional<std::vector<std::string>> ihave_capabilities(const grammar::Node& t);

  CheckContext ctx_;
  // The positional arguments of the call being checked (check_call does
  // not nest), kept to reuse its allocation.
  std::vector<const grammar::Argument*> positional_;
  // Storage of recycled calls (see recycle).
  std::vector<CheckedArg> spare_args_;
  std::vector<std::string> spare_strings_;
  std::vector<CheckedArg> spare_list_;
  // Successful lookups under the current capabilities (a script uses a
  // handful of names, thousands of times); names are views of the tree.
  struct Lookup {
    std::string_view name;
    bool as_test;
    const CommandSpec* spec;
  };
  std::vector<Lookup> lookups_;
  std::uint64_t lookups_version_ = 0;
  std::set<std::string> reported_unknown_;
  std::set<std::string> unknown_tags_;  // "test hasflag :frop": already reported
  std::set<std::string> ever_required_;
  std::set<std::string> explicitly_required_;  // by require or ihave (ihave blocks too)
};

// Whether `ihave` may enable a capability (RFC 5463): known, enabled, and
// not one that changes how every string is read (encoded-character,
// variables). Defined with the ihave extension.
bool ihave_available(const Registry& registry, const EngineSettings& settings,
                     std::string_view capability);

// Whether a string holds a variable reference "${name}" or "${N}" that the
// variables extension would expand (RFC 5229 §3).
bool has_variable_reference(std::string_view s);

// RFC 5228 §2.4.2.4 encoded-character expansion of a string literal.
// Malformed sequences stay as they are; a well-formed but invalid code
// point gives an error message.
struct EncodedCharacterResult {
  std::string value;
  std::string error;
};
EncodedCharacterResult expand_encoded_characters(std::string_view s);

}  // namespace zest::interp
