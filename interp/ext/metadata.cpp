// RFC 5490 mboxmetadata (metadata, metadataexists) and servermetadata
// (servermetadata, servermetadataexists). Values come from the host.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/text.hpp"
#include "base/utf8.hpp"
#include "interp/checker.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"

namespace zest::interp {
namespace {

// RFC 5464 §3.2: "/private/..." or "/shared/...", no wildcards, no empty
// components, no control characters.
bool valid_entry(std::string_view e) {
  const std::string l = base::to_lower(e);
  std::string_view rest;
  if (l.starts_with("/private/")) {
    rest = std::string_view(e).substr(9);
  } else if (l.starts_with("/shared/")) {
    rest = std::string_view(e).substr(8);
  } else {
    return false;
  }
  if (rest.empty() || rest.back() == '/' || rest.find("//") != std::string_view::npos) return false;
  for (unsigned char c : rest)
    if (c < ' ' || c == 127 || c == '*' || c == '%') return false;
  return true;
}

void warn_entries(CheckContext& ctx, const CheckedArg* names, const std::string& what) {
  for (std::size_t i = 0; names && i < names->strings.size(); ++i)
    if (!names->templates[i] && !valid_entry(names->strings[i]))
      ctx.warning(names->loc, what + ": invalid annotation name '" + names->strings[i] +
                                  "' (it never matches)");
}

void warn_mailbox(CheckContext& ctx, const CheckedArg* m, const std::string& what) {
  if (m && m->constant() && !base::valid_utf8(m->str()))
    ctx.warning(m->loc, what + ": mailbox name is not valid UTF-8 (it never matches)");
}

// Looks one annotation up; an invalid name or mailbox has no value.
std::optional<std::string> lookup(Runtime& rt, const std::optional<std::string>& mailbox,
                                  const std::string& entry) {
  if (!valid_entry(entry)) return std::nullopt;
  if (!mailbox) return rt.host().server_metadata(entry);
  if (!base::valid_utf8(*mailbox)) return std::nullopt;
  return rt.host().mailbox_metadata(*mailbox, entry);
}

// metadata / servermetadata: match the annotation's value.
void add_value_test(Registry& r, const char* name, const char* ext, bool with_mailbox) {
  CommandSpec s;
  s.name = name;
  s.is_test = true;
  s.extension = ext;
  if (with_mailbox) s.positional.push_back({"mailbox", ArgKind::String});
  s.positional.push_back({"annotation name", ArgKind::String});
  s.positional.push_back({"key list", ArgKind::StringList});
  s.groups = {TagGroup::Comparator, TagGroup::MatchType};
  const Slot entry_slot = with_mailbox ? 1 : 0;
  s.check = [with_mailbox, entry_slot](CheckContext& ctx, CheckedCall& call) {
    if (with_mailbox) warn_mailbox(ctx, call.find(0), call.what());
    warn_entries(ctx, call.find(entry_slot), call.what());
  };
  s.test = [with_mailbox, entry_slot](Runtime& rt, const Args& a) {
    std::optional<std::string> mailbox;
    if (with_mailbox) mailbox = rt.string(*a.find(0));
    std::vector<std::string> values;
    if (auto v = lookup(rt, mailbox, rt.string(*a.find(entry_slot)))) values.push_back(*v);
    return rt.match(a, values, rt.strings(a, static_cast<Slot>(entry_slot + 1)));
  };
  r.add_command(std::move(s));
}

// metadataexists / servermetadataexists: all annotations are set.
void add_exists_test(Registry& r, const char* name, const char* ext, bool with_mailbox) {
  CommandSpec s;
  s.name = name;
  s.is_test = true;
  s.extension = ext;
  if (with_mailbox) s.positional.push_back({"mailbox", ArgKind::String});
  s.positional.push_back({"annotation names", ArgKind::StringList});
  const Slot names_slot = with_mailbox ? 1 : 0;
  s.check = [with_mailbox, names_slot](CheckContext& ctx, CheckedCall& call) {
    if (with_mailbox) warn_mailbox(ctx, call.find(0), call.what());
    warn_entries(ctx, call.find(names_slot), call.what());
  };
  s.test = [with_mailbox, names_slot](Runtime& rt, const Args& a) {
    std::optional<std::string> mailbox;
    if (with_mailbox) mailbox = rt.string(*a.find(0));
    for (const auto& e : rt.strings(a, names_slot))
      if (!lookup(rt, mailbox, e)) return false;
    return true;
  };
  r.add_command(std::move(s));
}

}  // namespace

void register_metadata(Registry& r) {
  r.add_extension({"mboxmetadata"});
  r.add_extension({"servermetadata"});
  add_value_test(r, "metadata", "mboxmetadata", true);
  add_exists_test(r, "metadataexists", "mboxmetadata", true);
  add_value_test(r, "servermetadata", "servermetadata", false);
  add_exists_test(r, "servermetadataexists", "servermetadata", false);
}

}  // namespace zest::interp
