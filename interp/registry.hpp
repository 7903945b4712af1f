// Commands, tests, tags and extensions described as data. The checker,
// compiler, VM and disassembler all read these descriptions; extension files
// in interp/ext/ fill them in.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeindex>
#include <vector>

namespace zest::grammar {
struct Location;
}

namespace zest::interp {

class Runtime;
class CheckContext;
struct Args;

// Kinds of argument values, as checked and as stored in a compiled program.
enum class ArgKind : std::uint8_t { None = 0, Number = 1, String = 2, StringList = 3 };

// Slots are how handlers find their arguments. Positional arguments use
// 0..15; tags pick their own slot numbers from 16..127; the shared tag
// groups below have fixed slots. 200 and up are fixed numbers of the binary
// format, each defined by its owner:
//   200-203  the tag groups, here
//   204-205  :index, :last            interp/ext/index.hpp
//   206      :mime                    interp/ext/mime.cpp
//   207-212  :flags, :copy, :create,  interp/ext/action_tags.hpp
//            :specialuse, :mailboxid, :list
using Slot = std::uint8_t;
inline constexpr Slot kSlotComparator = 200;
inline constexpr Slot kSlotMatchType = 201;
inline constexpr Slot kSlotAddressPart = 202;
inline constexpr Slot kSlotRelation = 203;  // the operator string of :count/:value

// Fixed ids of the members of the shared tag groups (part of the binary format).
enum class MatchType : std::uint8_t { Is = 0, Contains, Matches, Count, Value, Regex, List };
enum class AddressPart : std::uint8_t { All = 0, LocalPart, Domain, User, Detail };

// What a positional argument must be. StringList accepts a single string.
struct PositionalSpec {
  std::string_view name;  // for messages: "header names", "key list"
  ArgKind kind;
};

// A tag that belongs to one command (not a group member).
struct TagSpec {
  std::string_view name;  // without ':'
  Slot slot;
  ArgKind value = ArgKind::None;  // None: a flag, stored as Number 1
  std::string_view value_name = {};
  std::string_view extension = {};  // needs this capability ("" = none)
};

// A member of a shared tag group (:is, :contains, :localpart, ...).
struct GroupMember {
  std::string_view name;
  std::uint8_t id;
  std::string_view extension;     // capability that provides it ("" = core)
  ArgKind value = ArgKind::None;  // :count "gt" carries a string
};

enum class TagGroup : std::uint8_t { Comparator, MatchType, AddressPart };

struct Comparator;

enum class Subtests : std::uint8_t { None, One, List };
enum class BlockRule : std::uint8_t { None, Required };

// How a block-carrying extension command behaves at run time.
enum class BlockStep : std::uint8_t { Enter, Skip, Repeat, Exit };

using CommandHandler = std::function<void(Runtime&, const Args&)>;
using TestHandler = std::function<bool(Runtime&, const Args&)>;
using BlockEnterHandler = std::function<BlockStep(Runtime&, const Args&)>;
using BlockLoopHandler = std::function<BlockStep(Runtime&)>;
// Extra validation beyond the signature; reports through the context.
struct CheckedCall;
using CheckHook = std::function<void(CheckContext&, CheckedCall&)>;

struct CommandSpec {
  std::string name;
  bool is_test = false;
  std::string extension;  // capability that must be required ("" = core)
  std::vector<PositionalSpec> positional;
  std::vector<TagSpec> tags;
  std::vector<TagGroup> groups;  // shared tag groups accepted
  Subtests subtests = Subtests::None;
  BlockRule block = BlockRule::None;
  CheckHook check;
  CommandHandler run;       // commands
  TestHandler test;         // tests
  BlockEnterHandler enter;  // block commands
  BlockLoopHandler loop;    // block commands: at the end of the block
  // Commands whose string arguments must not be expanded as variables
  // (e.g. "set"'s name).
  std::vector<Slot> literal_slots;
  // How many leading positional arguments may be left out (imap4flags'
  // optional variable name); the given ones keep their slots.
  std::size_t optional_leading = 0;
  // How many trailing positional arguments may be left out (extprograms'
  // argument list); the given ones keep their slots.
  std::size_t optional_trailing = 0;
};

// A match type implemented by an extension (:regex).
using MatchHook =
    std::function<bool(Runtime&, const Comparator&, const std::vector<std::string>& values,
                       const std::vector<std::string>& keys)>;
// Run-time expansion of template strings (the variables extension).
using ExpandHook = std::function<std::string(const Runtime&, std::string_view)>;
// Compile-time check of a template string (unknown namespaces, indexes).
using TemplateCheckHook =
    std::function<void(CheckContext&, const grammar::Location&, std::string_view)>;
// Compile-time check of one constant key of that match type: an error
// message for an invalid pattern.
using MatchKeyCheck =
    std::function<std::optional<std::string>(std::string_view key, const Comparator&)>;

struct ExtensionSpec {
  std::string name;                       // capability string as in require
  std::vector<std::string> implies = {};  // other capabilities this one enables
  // Capabilities that cannot be required together with this one.
  std::vector<std::string> conflicts = {};
  // Capabilities that must be required too (extracttext needs variables).
  std::vector<std::string> needs = {};
};

class Registry {
 public:
  Registry();  // registers every extension of ext/extensions.def

  void add_extension(ExtensionSpec ext);
  void add_command(CommandSpec spec);
  void add_group_member(TagGroup group, GroupMember member);
  void add_comparator(std::string_view name, std::string_view capability, const Comparator* cmp);

  const ExtensionSpec* extension(std::string_view name) const;
  const CommandSpec* command(std::string_view name, bool is_test) const;
  // Two extensions may define a command of one name (the draft `notify`
  // and enotify's): the first registered whose extension `enabled` accepts.
  const CommandSpec* command_in(std::string_view name, bool is_test,
                                const std::function<bool(std::string_view)>& enabled) const;
  // For extensions that add tags to commands of other extensions (:copy).
  CommandSpec* mutable_command(std::string_view name, bool is_test);
  const GroupMember* group_member(TagGroup group, std::string_view name) const;
  const Comparator* comparator(std::string_view name) const;
  std::string_view comparator_capability(std::string_view name) const;
  const std::vector<ExtensionSpec>& extensions() const { return extensions_; }
  void set_regex_matcher(MatchHook hook) { regex_ = std::move(hook); }
  const MatchHook& regex_matcher() const { return regex_; }
  // :list (extlists): the keys name external lists.
  void set_list_matcher(MatchHook hook) { list_ = std::move(hook); }
  const MatchHook& list_matcher() const { return list_; }
  void set_expander(ExpandHook hook) { expander_ = std::move(hook); }
  const ExpandHook& expander() const { return expander_; }
  void set_template_check(TemplateCheckHook hook) { template_check_ = std::move(hook); }
  const TemplateCheckHook& template_check() const { return template_check_; }

  // Tables one extension offers to others (variable namespaces, set
  // modifiers), created on first use.
  template <class T>
  T& extension_data() {
    auto& p = data_[std::type_index(typeid(T))];
    if (!p) p = std::make_shared<T>();
    return *static_cast<T*>(p.get());
  }
  template <class T>
  const T* find_extension_data() const {
    auto it = data_.find(std::type_index(typeid(T)));
    return it == data_.end() ? nullptr : static_cast<const T*>(it->second.get());
  }
  void set_regex_key_check(MatchKeyCheck check) { regex_check_ = std::move(check); }
  const MatchKeyCheck& regex_key_check() const { return regex_check_; }

 private:
  std::vector<ExtensionSpec> extensions_;
  std::map<std::string, std::unique_ptr<CommandSpec>, std::less<>> commands_;
  std::map<std::string, std::unique_ptr<CommandSpec>, std::less<>> tests_;
  std::vector<std::unique_ptr<CommandSpec>> alternates_;  // same name, other extension
  std::vector<std::pair<TagGroup, GroupMember>> members_;
  struct ComparatorEntry {
    std::string name;
    std::string capability;
    const Comparator* cmp;
  };
  std::vector<ComparatorEntry> comparators_;
  MatchHook regex_;
  MatchHook list_;
  MatchKeyCheck regex_check_;
  ExpandHook expander_;
  TemplateCheckHook template_check_;
  std::map<std::type_index, std::shared_ptr<void>> data_;
};

std::string_view group_name(TagGroup g);

}  // namespace zest::interp
