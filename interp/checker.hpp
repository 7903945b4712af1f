// What extension check hooks see: the command as checked so far, and a
// way to report problems with locations.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <typeindex>
#include <vector>

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
  void require(std::string capability) { required_.insert(std::move(capability)); }
  const std::set<std::string, std::less<>>& required() const { return required_; }
  // Puts back an earlier set (capabilities enabled only inside an ihave block).
  void restore_required(std::set<std::string, std::less<>> r) { required_ = std::move(r); }
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
  grammar::Diagnostics& diags_;
  std::set<std::string, std::less<>> required_;
  std::map<std::type_index, std::shared_ptr<void>> state_;
  CompileEnv* env_ = nullptr;
  std::vector<CheckedCall> blocks_;
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
