#include "interp/registry.hpp"

#include "interp/comparator.hpp"

namespace zest::interp {

#define ZEST_EXTENSION(id) void register_##id(Registry&);
#include "interp/ext/extensions.def"
#undef ZEST_EXTENSION

Registry::Registry() {
#define ZEST_EXTENSION(id) register_##id(*this);
#include "interp/ext/extensions.def"
#undef ZEST_EXTENSION
}

void Registry::add_extension(ExtensionSpec ext) {
  extensions_.push_back(std::move(ext));
}

void Registry::add_command(CommandSpec spec) {
  auto& table = spec.is_test ? tests_ : commands_;
  std::string key = spec.name;
  auto& slot = table[key];
  if (slot && !spec.extension.empty() && !slot->extension.empty() &&
      slot->extension != spec.extension) {
    alternates_.push_back(std::make_unique<CommandSpec>(std::move(spec)));
    return;
  }
  slot = std::make_unique<CommandSpec>(std::move(spec));
}

const CommandSpec* Registry::command_in(
    std::string_view name, bool is_test,
    const std::function<bool(std::string_view)>& enabled) const {
  const CommandSpec* first = command(name, is_test);
  if (!first || first->extension.empty() || enabled(first->extension)) return first;
  for (const auto& alt : alternates_)
    if (alt->name == name && alt->is_test == is_test && enabled(alt->extension)) return alt.get();
  return first;
}

void Registry::add_group_member(TagGroup group, GroupMember member) {
  members_.emplace_back(group, member);
}

void Registry::add_comparator(std::string_view name, std::string_view capability,
                              const Comparator* cmp) {
  comparators_.push_back({std::string(name), std::string(capability), cmp});
}

const ExtensionSpec* Registry::extension(std::string_view name) const {
  for (const auto& e : extensions_)
    if (e.name == name) return &e;
  return nullptr;
}

const CommandSpec* Registry::command(std::string_view name, bool is_test) const {
  const auto& table = is_test ? tests_ : commands_;
  auto it = table.find(name);
  return it == table.end() ? nullptr : it->second.get();
}

CommandSpec* Registry::mutable_command(std::string_view name, bool is_test) {
  auto& table = is_test ? tests_ : commands_;
  auto it = table.find(name);
  return it == table.end() ? nullptr : it->second.get();
}

const GroupMember* Registry::group_member(TagGroup group, std::string_view name) const {
  for (const auto& [g, m] : members_)
    if (g == group && m.name == name) return &m;
  return nullptr;
}

const Comparator* Registry::comparator(std::string_view name) const {
  for (const auto& c : comparators_)
    if (c.name == name) return c.cmp;
  return nullptr;
}

std::string_view Registry::comparator_capability(std::string_view name) const {
  for (const auto& c : comparators_)
    if (c.name == name) return c.capability;
  return {};
}

std::string_view group_name(TagGroup g) {
  switch (g) {
    case TagGroup::Comparator:
      return "comparator";
    case TagGroup::MatchType:
      return "match type";
    case TagGroup::AddressPart:
      return "address part";
  }
  return "?";
}

}  // namespace zest::interp
