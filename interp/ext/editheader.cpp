// RFC 5293 editheader: addheader and deleteheader. Edits make a new version
// of the message that later tests see (Runtime::message()) and that
// actions added afterwards carry (ActionList::set_edited_message).
// Received and Auto-Submitted are never deleted; more fields can be
// protected with editheader_protected / _forbid_add / _forbid_delete, as
// Pigeonhole's settings.
#include <memory>
#include <sstream>

#include "base/text.hpp"
#include "base/utf8.hpp"
#include "interp/checker.hpp"
#include "interp/ext/index.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"
#include "mail/header_codec.hpp"
#include "mail/message.hpp"
#include "mail/rfc2047.hpp"

namespace zest::interp {
namespace {

constexpr Slot kName = 0, kValue = 1, kPatterns = 1, kLastTag = kSlotLast;
constexpr std::size_t kDefaultMaxHeaderSize = 2048;  // Pigeonhole's default

// RFC 5322 field-name: printable ASCII except ':'.
bool valid_field_name(std::string_view n) {
  if (n.empty()) return false;
  for (unsigned char c : n)
    if (c <= 32 || c >= 127 || c == ':') return false;
  return true;
}

// A value may hold anything but NUL and bare CR/LF mixes are normalised;
// it must be UTF-8 (RFC 5293 §5).
bool valid_field_value(std::string_view v) {
  return v.find('\0') == std::string_view::npos && base::valid_utf8(v);
}

std::string printable(std::string_view v) {
  std::string out;
  for (char c : v) out += c == '\0' ? '?' : c;
  return out;
}

std::size_t max_header_size(const EngineSettings& s) {
  auto it = s.values.find("editheader_max_header_size");
  if (it == s.values.end() || it->second.empty()) return kDefaultMaxHeaderSize;
  std::size_t n = 0, i = 0;
  const std::string& v = it->second;
  for (; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i) n = n * 10 + (v[i] - '0');
  if (i == 0) return kDefaultMaxHeaderSize;
  if (i < v.size() && (v[i] == 'k' || v[i] == 'K')) n <<= 10;
  if (i < v.size() && (v[i] == 'm' || v[i] == 'M')) n <<= 20;
  return n;
}

bool listed(const EngineSettings& s, std::string_view key, std::string_view name) {
  std::istringstream in(s.value(key));
  for (std::string w; in >> w;)
    if (valid_field_name(w) && base::iequals(w, name)) return true;
  return false;
}

bool may_add(const EngineSettings& s, std::string_view name) {
  if (base::iequals(name, "subject")) return true;  // never protected (RFC 5293 §6 note)
  return !listed(s, "editheader_protected", name) && !listed(s, "editheader_forbid_add", name);
}

bool may_delete(const EngineSettings& s, std::string_view name) {
  const std::string n = base::to_lower(name);
  if (n == "subject") return true;
  if (n == "received" || n == "auto-submitted") return false;  // RFC 5293 §6
  return !listed(s, "editheader_protected", name) && !listed(s, "editheader_forbid_delete", name);
}

void install(Runtime& rt, const mail::HeaderBlock& block) {
  rt.actions().set_edited_message(&rt.original_message(),
                                  std::make_shared<const mail::Message>(block.str()));
}

void addheader(Runtime& rt, const Args& a) {
  const std::string name = rt.string(*a.find(kName));
  const std::string value = rt.string(*a.find(kValue));
  if (!valid_field_name(name)) {
    rt.fail("addheader action: specified field name '" + name + "' is invalid");
    return;
  }
  if (!valid_field_value(value)) {
    rt.fail("addheader action: specified value '" + printable(value) + "' is invalid");
    return;
  }
  if (value.size() > max_header_size(rt.settings())) {
    rt.fail("addheader action: specified header value is too large (" +
            std::to_string(value.size()) + " bytes)");
    return;
  }
  if (!may_add(rt.settings(), name)) {
    rt.log(LogLevel::Warning, "addheader action: adding protected header field '" + name +
                                  "' is not allowed (ignored)");
    return;
  }
  mail::HeaderBlock block(rt.message().raw());
  mail::HeaderBlock::Field f{name, mail::header_field(name, value)};
  auto& fields = block.fields();
  if (a.has(kLastTag))
    fields.push_back(std::move(f));
  else
    fields.insert(fields.begin(), std::move(f));
  install(rt, block);
}

void deleteheader(Runtime& rt, const Args& a) {
  // With one positional argument it sits in the patterns slot (see below).
  const bool have_patterns = a.has(kName);
  const std::string name =
      have_patterns ? rt.string(*a.find(kName)) : rt.string(*a.find(kPatterns));
  if (!valid_field_name(name)) {
    rt.fail("deleteheader action: specified field name '" + name + "' is invalid");
    return;
  }
  if (!may_delete(rt.settings(), name)) {
    rt.log(LogLevel::Warning, "deleteheader action: deleting protected header field '" + name +
                                  "' is not allowed (ignored)");
    return;
  }
  const std::vector<std::string> patterns =
      have_patterns ? rt.strings(a, kPatterns) : std::vector<std::string>{};
  mail::HeaderBlock block(rt.message().raw());
  auto& fields = block.fields();
  std::vector<std::size_t> named;
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (base::iequals(fields[i].name, name)) named.push_back(i);
  if (const ArgValue* idx = a.find(kSlotIndex)) {
    const std::size_t n = idx->number;
    if (n == 0 || n > named.size()) return;
    named = {named[a.has(kLastTag) ? named.size() - n : n - 1]};
  }
  std::vector<bool> drop(fields.size(), false);
  bool any = false;
  for (std::size_t i : named) {
    bool hit = true;
    if (have_patterns) {
      const std::vector<std::string> value{
          mail::decode_rfc2047(mail::HeaderBlock::value_of(fields[i]))};
      hit = rt.match(a, value, patterns);
    }
    drop[i] = hit;
    any = any || hit;
  }
  if (!any) return;
  std::vector<mail::HeaderBlock::Field> kept;
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (!drop[i]) kept.push_back(std::move(fields[i]));
  fields = std::move(kept);
  install(rt, block);
}

void check_name(CheckContext& ctx, const CheckedCall& call, const CheckedArg* n) {
  if (n && n->constant() && !valid_field_name(n->str()))
    ctx.error(n->loc, call.what() + ": specified field name '" + n->str() + "' is invalid");
}

}  // namespace

void register_editheader(Registry& r) {
  r.add_extension({"editheader"});
  {
    CommandSpec s;
    s.name = "addheader";
    s.extension = "editheader";
    s.positional = {{"field name", ArgKind::String}, {"value", ArgKind::String}};
    s.tags = {{"last", kLastTag}};
    s.check = [](CheckContext& ctx, CheckedCall& call) {
      check_name(ctx, call, call.find(kName));
      const CheckedArg* v = call.find(kValue);
      if (!v || !v->constant()) return;
      if (!valid_field_value(v->str()))
        ctx.error(v->loc,
                  "addheader command: specified value '" + printable(v->str()) + "' is invalid");
      else if (v->str().size() > max_header_size(ctx.settings()))
        ctx.error(v->loc, "addheader command: specified header value is too large (" +
                              std::to_string(v->str().size()) + " bytes)");
    };
    s.run = addheader;
    r.add_command(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "deleteheader";
    s.extension = "editheader";
    // <field-name> [<value-patterns>]: the field name may stand alone, so it
    // is an optional leading argument and a lone argument lands in slot 1.
    s.positional = {{"field name", ArgKind::String}, {"value patterns", ArgKind::StringList}};
    s.optional_leading = 1;
    s.tags = {{"index", kSlotIndex, ArgKind::Number, "field number"}, {"last", kLastTag}};
    s.groups = {TagGroup::Comparator, TagGroup::MatchType};
    s.check = [](CheckContext& ctx, CheckedCall& call) {
      if (call.find(kLastTag) && !call.find(kSlotIndex))
        ctx.error(call.loc, "the :last tag of the deleteheader command requires the :index tag");
      if (call.find(kName)) {
        check_name(ctx, call, call.find(kName));
        return;
      }
      const CheckedArg* lone = call.find(kPatterns);
      if (!lone) return;
      if (lone->strings.size() != 1) {
        ctx.error(lone->loc, "the deleteheader command expects a string as field name");
        return;
      }
      check_name(ctx, call, lone);
    };
    s.run = deleteheader;
    r.add_command(std::move(s));
  }
}

}  // namespace zest::interp
