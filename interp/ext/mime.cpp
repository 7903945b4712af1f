// RFC 5703: foreverypart (with :name and break), the :mime option of
// header/address/exists (:anychild, :type/:subtype/:contenttype/:param),
// and extracttext. The loop state lives in the shared result so that an
// included script sees the part its includer is iterating over.
#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/percent.hpp"
#include "base/text.hpp"
#include "interp/address_part.hpp"
#include "interp/checker.hpp"
#include "interp/ext/variables.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"
#include "mail/header_codec.hpp"
#include "mail/message.hpp"
#include "mail/rfc2047.hpp"

namespace zest::interp {
namespace {

using mail::MimePart;

// Tags of the :mime option family; :mime itself has a fixed slot of the
// binary format (see registry.hpp).
constexpr Slot kSlotMime = 206;
constexpr Slot kAnychild = 120, kOption = 121, kParam = 122;
enum class MimeOption : std::uint8_t { None = 0, Type = 1, Subtype = 2, ContentType = 3 };
constexpr Slot kName = 16;    // foreverypart/break :name
constexpr Slot kFirst = 100;  // extracttext :first (16.. are the modifiers)
constexpr std::size_t kDefaultMaxNesting = 4;

// A part named by the child indexes that lead to it from the message's root
// ({} is the message itself). Loops keep paths, not pointers: replace,
// enclose and editheader make a new message (a new MIME tree) while a loop
// runs, and a path is resolved against the message as tests see it now.
using PartPath = std::vector<std::size_t>;

struct Loop {
  const Runtime* owner;
  std::vector<PartPath> parts;
  std::size_t index = 0;
  std::string name;
};
struct Loops {
  std::vector<Loop> stack;
};

// Header values and parameters lose surrounding WSP only.
constexpr std::string_view kWsp = " \t";

// The parts below `p`, in pre-order: a contiguous range of the message's
// part list.
void flatten(const mail::Message& m, const MimePart& p, std::vector<const MimePart*>& out) {
  const auto& parts = m.mime_parts();
  for (std::size_t i = p.index + 1; i < p.end && i < parts.size(); ++i) out.push_back(&parts[i]);
}

// The paths of p's descendants in depth-first order; `at` is p's path.
// (The MIME view bounds the depth of this recursion: mail::kMaxMimeDepth.)
void flatten_paths(const mail::Message& m, const MimePart& p, PartPath& at,
                   std::vector<PartPath>& out) {
  for (std::size_t i = 0; i < p.children.size(); ++i) {
    at.push_back(i);
    out.push_back(at);
    flatten_paths(m, m.mime_child(p, i), at, out);
    at.pop_back();
  }
}

const MimePart* resolve(const mail::Message& m, const PartPath& path) {
  const MimePart* p = &m.mime_root();
  for (std::size_t i : path) {
    if (i >= p->children.size()) return nullptr;
    p = &m.mime_child(*p, i);
  }
  return p;
}

// The path of the part the current loop is at; nullptr outside any loop.
const PartPath* current_path(Runtime& rt) {
  const auto& st = rt.result_state<Loops>().stack;
  if (st.empty()) return nullptr;
  const Loop& l = st.back();
  return l.index < l.parts.size() ? &l.parts[l.index] : nullptr;
}

// The part the current loop is at; nullptr outside any loop (the message).
const MimePart* current_part(Runtime& rt) {
  const PartPath* path = current_path(rt);
  return path ? resolve(rt.message(), *path) : nullptr;
}

std::size_t max_nesting(const EngineSettings& s) {
  const std::string v = s.value("foreverypart_max_nesting");
  return v.empty() ? kDefaultMaxNesting : std::strtoul(v.c_str(), nullptr, 10);
}

// ---- the :mime option family ----

struct HeaderSource {
  const mail::Message* message = nullptr;  // the top level: the message's headers
  const MimePart* part = nullptr;
};

std::vector<HeaderSource> sources(Runtime& rt, bool anychild) {
  std::vector<HeaderSource> out;
  const MimePart* cur = current_part(rt);
  if (cur)
    out.push_back({nullptr, cur});
  else
    out.push_back({&rt.message(), nullptr});
  if (anychild) {
    std::vector<const MimePart*> kids;
    const mail::Message& m = rt.message();
    flatten(m, cur ? *cur : m.mime_root(), kids);
    for (const MimePart* k : kids) out.push_back({nullptr, k});
  }
  return out;
}

std::vector<std::string> raw_fields(const HeaderSource& s, std::string_view name) {
  std::vector<std::string> out;
  if (s.message) {
    for (auto v : s.message->header_raw(name)) out.emplace_back(v);
    return out;
  }
  for (const auto& h : s.part->headers)
    if (base::iequals(h.name, name)) out.emplace_back(base::trim(h.value, kWsp));
  return out;
}

// RFC 2231: "name*0*=charset'lang'a%20b; name*1=c" becomes "name=a bc"
// (values are taken as UTF-8 or ASCII; other charsets stay as bytes).
void join_continuations(std::vector<std::pair<std::string, std::string>>& params) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [k, v] : params) {
    const auto star = k.find('*');
    if (star == std::string::npos) {
      out.emplace_back(k, v);
      continue;
    }
    const std::string base = k.substr(0, star);
    const bool extended = k.back() == '*';
    const bool first = k == base + "*" || k == base + "*0" || k == base + "*0*";
    std::string value = v;
    if (extended) {
      if (first) {
        const auto q1 = value.find('\'');
        const auto q2 = q1 == std::string::npos ? q1 : value.find('\'', q1 + 1);
        if (q2 != std::string::npos) value = value.substr(q2 + 1);
      }
      value = base::percent_decode_lenient(value);
    }
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == base; });
    if (it == out.end())
      out.emplace_back(base, value);
    else
      it->second += value;
  }
  params = std::move(out);
}

// Splits "type/subtype; a=b; c="d"" (Content-Type or Content-Disposition).
struct Structured {
  std::string type, subtype;
  std::vector<std::pair<std::string, std::string>> params;
};
Structured parse_structured(std::string_view v) {
  Structured s;
  std::size_t semi = v.find(';');
  const std::string_view head = base::trim(v.substr(0, semi), kWsp);
  const auto slash = head.find('/');
  s.type = base::to_lower(base::trim(head.substr(0, slash), kWsp));
  if (slash != std::string::npos)
    s.subtype = base::to_lower(base::trim(head.substr(slash + 1), kWsp));
  while (semi != std::string_view::npos) {
    const std::size_t next = v.find(';', semi + 1);
    const std::string_view item =
        base::trim(v.substr(semi + 1, next == std::string_view::npos ? std::string_view::npos
                                                                     : next - semi - 1),
                   kWsp);
    semi = next;
    const auto eq = item.find('=');
    if (eq == std::string::npos) continue;
    std::string val(base::trim(item.substr(eq + 1), kWsp));
    if (val.size() >= 2 && val.front() == '"' && val.back() == '"')
      val = val.substr(1, val.size() - 2);
    s.params.emplace_back(base::to_lower(base::trim(item.substr(0, eq), kWsp)), val);
  }
  join_continuations(s.params);
  return s;
}

// The values a :mime test looks at for one header field value.
void option_values(Runtime& rt, const Args& a, std::string_view name, std::string_view value,
                   std::vector<std::string>& out) {
  const auto opt = static_cast<MimeOption>(a.number(kOption, 0));
  const bool is_ct = base::iequals(name, "content-type");
  const bool structured = is_ct || base::iequals(name, "content-disposition");
  if (a.has(kParam)) {
    if (!structured) return;
    const Structured s = parse_structured(value);
    for (const auto& p : rt.strings(a, kParam))
      for (const auto& [k, v] : s.params)
        if (k == base::to_lower(p)) out.push_back(mail::decode_rfc2047(v));
    return;
  }
  if (opt == MimeOption::None || !structured) {
    if (opt == MimeOption::None) out.push_back(mail::decode_rfc2047(value));
    return;
  }
  const Structured s = parse_structured(value);
  if (opt == MimeOption::Type) out.push_back(s.type);
  if (opt == MimeOption::Subtype) out.push_back(is_ct ? s.subtype : std::string());
  if (opt == MimeOption::ContentType)
    out.push_back(is_ct && !s.subtype.empty() ? s.type + "/" + s.subtype : s.type);
}

std::vector<std::string> mime_header_values(Runtime& rt, const Args& a,
                                            const std::vector<std::string>& names) {
  std::vector<std::string> values;
  for (const auto& src : sources(rt, a.has(kAnychild)))
    for (const auto& n : names) {
      auto fields = raw_fields(src, n);
      // A part without Content-Type is text/plain (RFC 2045 §5.2).
      if (fields.empty() && base::iequals(n, "content-type") && a.has(kOption) && src.part)
        fields.push_back(src.part->content_type);
      for (const auto& f : fields) option_values(rt, a, n, f, values);
    }
  return values;
}

void check_mime_tags(CheckContext& ctx, CheckedCall& call, bool options) {
  const bool mime = call.find(kSlotMime) != nullptr;
  const int opts = int(call.find(kOption) != nullptr) + int(call.find(kParam) != nullptr);
  if (!mime) {
    if (call.find(kAnychild))
      ctx.error(call.loc, "the :anychild tag of " + call.what() + " requires the :mime tag");
    else if (opts > 0)
      ctx.error(call.loc, "the :type, :subtype, :contenttype and :param tags of " + call.what() +
                              " require the :mime tag");
    return;
  }
  if (!options) return;
  if (opts > 1)
    ctx.error(call.loc, call.what() +
                            " accepts only one of :type, :subtype, :contenttype and "
                            ":param");
}

void extend(Registry& r, std::string_view name, bool options) {
  CommandSpec* s = r.mutable_command(name, true);
  if (!s) return;
  s->tags.push_back({"mime", kSlotMime, ArgKind::None, {}, "mime"});
  s->tags.push_back({"anychild", kAnychild, ArgKind::None, {}, "mime"});
  if (options) {
    s->tags.push_back({"param", kParam, ArgKind::StringList, "param list", "mime"});
  }
  s->check = [inner = s->check, options](CheckContext& ctx, CheckedCall& call) {
    check_mime_tags(ctx, call, options);
    if (inner) inner(ctx, call);
  };
  auto inner_test = s->test;
  if (name == "header") {
    s->test = [inner_test](Runtime& rt, const Args& a) {
      if (!a.has(kSlotMime)) return inner_test(rt, a);
      const auto values = mime_header_values(rt, a, rt.strings(a, 0));
      return rt.match(a, values, rt.strings(a, 1));
    };
  } else if (name == "address") {
    s->test = [inner_test](Runtime& rt, const Args& a) {
      if (!a.has(kSlotMime)) return inner_test(rt, a);
      const auto part = static_cast<AddressPart>(a.number(kSlotAddressPart, 0));
      std::vector<std::string> values;
      for (const auto& src : sources(rt, a.has(kAnychild)))
        for (const auto& n : rt.strings(a, 0)) {
          if (!is_address_header(n)) continue;
          for (const auto& f : raw_fields(src, n)) address_values(part, f, rt.settings(), values);
        }
      return rt.match(a, values, rt.strings(a, 1));
    };
  } else {
    s->test = [inner_test](Runtime& rt, const Args& a) {
      if (!a.has(kSlotMime)) return inner_test(rt, a);
      // Each header must exist in the part or, with :anychild, in any part below.
      const auto srcs = sources(rt, a.has(kAnychild));
      for (const auto& n : rt.strings(a, 0)) {
        bool found = false;
        for (const auto& src : srcs) found = found || !raw_fields(src, n).empty();
        if (!found) return false;
      }
      return true;
    };
  }
}

// :type/:subtype/:contenttype as one tag value each, so that the compiler
// sees three distinct tags; the check reports more than one.
void add_option_tags(Registry& r) {
  {
    CommandSpec* s = r.mutable_command("header", true);
    if (!s) return;
    // The three option tags share one slot; a second one replaces the first,
    // so count them in the check through their own flag slots.
    s->tags.push_back({"type", 123, ArgKind::None, {}, "mime"});
    s->tags.push_back({"subtype", 124, ArgKind::None, {}, "mime"});
    s->tags.push_back({"contenttype", 125, ArgKind::None, {}, "mime"});
    s->check = [inner = s->check](CheckContext& ctx, CheckedCall& call) {
      const int n = int(call.find(123) != nullptr) + int(call.find(124) != nullptr) +
                    int(call.find(125) != nullptr);
      if (n > 0) {
        // Fold them into kOption for the run time.
        const MimeOption o = call.find(123)   ? MimeOption::Type
                             : call.find(124) ? MimeOption::Subtype
                                              : MimeOption::ContentType;
        const grammar::Location loc = call.find(123)   ? call.find(123)->loc
                                      : call.find(124) ? call.find(124)->loc
                                                       : call.find(125)->loc;
        std::erase_if(call.args, [](const CheckedArg& a) {
          return a.slot == 123 || a.slot == 124 || a.slot == 125;
        });
        call.args.push_back(
            CheckedArg{kOption, ArgKind::Number, static_cast<std::uint64_t>(o), {}, {}, loc});
        if (n > 1 || call.find(kParam)) {
          ctx.error(call.loc,
                    call.what() + " accepts only one of :type, :subtype, :contenttype and :param");
          return;
        }
      }
      if (inner) inner(ctx, call);
    };
  }
}

// ---- foreverypart, break, extracttext ----

BlockStep enter_loop(Runtime& rt, const Args& a) {
  auto& st = rt.result_state<Loops>().stack;
  if (st.size() >= max_nesting(rt.settings())) {
    rt.fail("new foreverypart loop exceeds the nesting limit (<= " +
            std::to_string(max_nesting(rt.settings())) + " levels)");
    return BlockStep::Exit;
  }
  Loop l{&rt, {}, 0, rt.string(a, kName).value_or("")};
  const mail::Message& m = rt.message();
  if (const PartPath* at = current_path(rt)) {
    PartPath path = *at;
    if (const MimePart* cur = resolve(m, path)) flatten_paths(m, *cur, path, l.parts);
  } else {
    PartPath path;
    l.parts.push_back(path);
    flatten_paths(m, m.mime_root(), path, l.parts);
  }
  if (l.parts.empty()) return BlockStep::Skip;
  st.push_back(std::move(l));
  return BlockStep::Enter;
}

BlockStep next_part(Runtime& rt) {
  auto& st = rt.result_state<Loops>().stack;
  // Loops left by a return/test failure of this or an included script.
  while (!st.empty() && st.back().owner != &rt) st.pop_back();
  if (st.empty()) return BlockStep::Exit;
  if (++st.back().index < st.back().parts.size()) return BlockStep::Repeat;
  st.pop_back();
  return BlockStep::Exit;
}

void check_break(CheckContext& ctx, CheckedCall& call) {
  const CheckedArg* name = call.find(kName);
  bool inside = false, found = name == nullptr;
  for (const auto& b : ctx.open_blocks()) {
    if (b.spec->name != "foreverypart") continue;
    inside = true;
    if (name)
      if (const CheckedArg* n = const_cast<CheckedCall&>(b).find(kName);
          n && n->str() == name->str())
        found = true;
  }
  if (!inside)
    ctx.error(call.loc, "the break command is not placed inside a foreverypart loop");
  else if (!found)
    ctx.error(call.loc, "the break command names a foreverypart loop '" + name->str() +
                            "' that does not enclose it");
}

void run_break(Runtime& rt, const Args& a, const CommandSpec* loop_spec) {
  auto& st = rt.result_state<Loops>().stack;
  std::size_t count = 1;
  if (auto name = rt.string(a, kName)) {
    count = 0;
    for (auto it = st.rbegin(); it != st.rend(); ++it) {
      ++count;
      if (it->name == *name) break;
    }
  }
  for (std::size_t i = 0; i < count && !st.empty(); ++i) st.pop_back();
  rt.request_unwind(loop_spec, count);
}

void check_loop(CheckContext& ctx, CheckedCall& call) {
  std::size_t depth = 1;
  for (const auto& b : ctx.open_blocks())
    if (b.spec->name == "foreverypart") ++depth;
  if (depth > max_nesting(ctx.settings()))
    ctx.error(call.loc, "the nesting of foreverypart loops is too deep (more than " +
                            std::to_string(max_nesting(ctx.settings())) + " levels)");
}

void check_extracttext(CheckContext& ctx, CheckedCall& call) {
  bool inside = false;
  for (const auto& b : ctx.open_blocks()) inside = inside || b.spec->name == "foreverypart";
  if (!inside) {
    ctx.error(call.loc, "the extracttext command is not placed inside a foreverypart loop");
    return;
  }
  if (const CheckedArg* v = call.find(0))
    if (auto err = variables::check_name(ctx, v->str(), true)) ctx.error(v->loc, *err);
}

// The text of an HTML part: tags dropped, entities for <>& and spaces
// decoded, runs of white space collapsed.
std::string strip_html(std::string_view html) {
  std::string out;
  bool in_tag = false, space = false;
  for (std::size_t i = 0; i < html.size(); ++i) {
    const char c = html[i];
    if (in_tag) {
      in_tag = c != '>';
      continue;
    }
    if (c == '<') {
      in_tag = true;
      space = !out.empty();
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&nbsp;", ' '}, {"&quot;", '"'}};
    bool entity = false;
    for (const auto& [name, ch] : kEntities)
      if (html.substr(i, name.size()) == name) {
        out += ch;
        i += name.size() - 1;
        entity = true;
        break;
      }
    if (!entity) out += c;
  }
  return out;
}

void run_extracttext(Runtime& rt, const Args& a) {
  const MimePart* part = current_part(rt);
  std::string text;
  // Parts beyond the MIME view's limits are opaque text.
  if (part && (part->opaque || part->content_type.rfind("text/", 0) == 0))
    text = rt.message().part_content(*part);
  if (part && part->content_type == "text/html") text = strip_html(text);
  if (const ArgValue* first = a.find(kFirst); first && text.size() > first->number) {
    // Cut at a character boundary.
    std::size_t n = first->number, chars = 0, i = 0;
    for (; i < text.size(); ++i) {
      if ((static_cast<unsigned char>(text[i]) & 0xc0) != 0x80) {
        if (chars == n) break;
        ++chars;
      }
    }
    text.resize(i);
  }
  variables::set(rt, rt.raw(*a.find(0)), variables::apply_modifiers(rt, a, std::move(text)));
}

// ---- replace and enclose (RFC 5703 §6, §7): edits of the message that
// later tests and the actions added afterwards see ----

constexpr Slot kReplaceMime = 101, kSubject = 102, kFrom = 103, kHeaders = 104;

bool is_content_header(std::string_view name) {
  const std::string l = base::to_lower(name);
  return l.rfind("content-", 0) == 0 || l == "mime-version";
}

std::string crlf(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

// The message's header fields except the dropped ones, folded as they were.
std::string kept_headers(const mail::Message& m,
                         const std::function<bool(std::string_view)>& drop) {
  std::string out;
  for (const auto& h : m.headers())
    if (!drop(h.name)) out += h.name + ": " + h.value + "\r\n";
  return out;
}

void set_edited(Runtime& rt, std::string raw) {
  rt.actions().set_edited_message(&rt.original_message(),
                                  std::make_shared<const mail::Message>(std::move(raw)));
}

// ---- replacing one part inside a foreverypart loop (RFC 5703 §5) ----

// A part's header block as the MIME view holds it (unfolded fields).
std::string part_headers(const MimePart& p, const std::function<bool(std::string_view)>& drop) {
  std::string out;
  for (const auto& h : p.headers)
    if (!drop(h.name)) out += h.name + ": " + h.value + "\r\n";
  return out;
}

// A part written out unchanged: its header block, a blank line, its body
// (for a multipart or message/rfc822 part: its whole content as read).
std::string entity(const mail::Message& m, const MimePart& p) {
  return part_headers(p, [](std::string_view) { return false; }) + "\r\n" +
         std::string(m.part_body(p));
}

std::optional<std::string> rebuild(const mail::Message& m, const MimePart& node,
                                   const PartPath& path, std::size_t depth, bool embedded_message,
                                   const std::string& replacement);

// The body of `node` (at depth `depth` of `path`) with the part at the end of
// `path` replaced by `replacement` (a MIME entity). Only the parts on the
// path are rebuilt; a rebuilt multipart loses its preamble and epilogue.
std::optional<std::string> rebuild_body(const mail::Message& m, const MimePart& node,
                                        const PartPath& path, std::size_t depth,
                                        const std::string& replacement) {
  const std::size_t at = path[depth];
  if (at >= node.children.size()) return std::nullopt;
  if (!node.is_multipart)  // message/rfc822: its one child is the message
    return rebuild(m, m.mime_child(node, at), path, depth + 1, true, replacement);
  const auto b = node.content_type_params.find("boundary");
  if (b == node.content_type_params.end() || b->second.empty()) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    out += "--" + b->second + "\r\n";
    if (i == at) {
      auto inner = rebuild(m, m.mime_child(node, i), path, depth + 1, false, replacement);
      if (!inner) return std::nullopt;
      out += *inner;
    } else {
      out += entity(m, m.mime_child(node, i));
    }
    out += "\r\n";  // the line break before a delimiter belongs to the delimiter
  }
  return out + "--" + b->second + "--\r\n";
}

// `node` as an entity (header block, blank line, body), rebuilt as above.
std::optional<std::string> rebuild(const mail::Message& m, const MimePart& node,
                                   const PartPath& path, std::size_t depth, bool embedded_message,
                                   const std::string& replacement) {
  if (depth == path.size()) {
    // An embedded message keeps its own (non-content) header fields.
    if (!embedded_message) return replacement;
    return part_headers(node, is_content_header) + replacement;
  }
  auto body = rebuild_body(m, node, path, depth, replacement);
  if (!body) return std::nullopt;
  return part_headers(node, [](std::string_view) { return false; }) + "\r\n" + *body;
}

// Parts inside the replaced one no longer exist: no loop goes into them.
void forget_inside(Runtime& rt, const PartPath& replaced) {
  auto inside = [&](const PartPath& p) {
    return p.size() > replaced.size() && std::equal(replaced.begin(), replaced.end(), p.begin());
  };
  for (Loop& l : rt.result_state<Loops>().stack) {
    auto rest =
        l.parts.begin() + static_cast<std::ptrdiff_t>(std::min(l.index + 1, l.parts.size()));
    l.parts.erase(std::remove_if(rest, l.parts.end(), inside), l.parts.end());
  }
}

std::string text_entity(Runtime& rt, const Args& a) {
  const std::string replacement = crlf(rt.string(*a.find(0)));
  if (a.has(kReplaceMime)) return replacement;  // its own content headers, a blank line, a body
  return "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
         replacement;
}

void replace_part(Runtime& rt, const Args& a, const PartPath& path) {
  const std::string replacement = text_entity(rt, a);
  const mail::Message& m = rt.message();
  // The message keeps its header block as written; only its body is rebuilt.
  const std::string_view raw = m.raw();
  std::string out(raw.substr(0, raw.size() - m.body().size()));
  auto body = rebuild_body(m, m.mime_root(), path, 0, replacement);
  if (!body)
    return rt.fail("replace: the MIME structure around the current part cannot be rebuilt");
  if (!out.ends_with("\n\n") && !out.ends_with("\r\n\r\n")) {
    if (!out.ends_with("\n")) out += "\r\n";
    out += "\r\n";
  }
  set_edited(rt, out + *body);
  forget_inside(rt, path);
}

void run_replace(Runtime& rt, const Args& a) {
  if (const PartPath* at = current_path(rt); at && !at->empty()) {
    const PartPath path = *at;  // the loop stack changes below
    return replace_part(rt, a, path);
  }
  const mail::Message& m = rt.message();
  const auto subject = rt.string(a, kSubject), from = rt.string(a, kFrom);
  std::string out = kept_headers(m, [&](std::string_view n) {
    return is_content_header(n) || (subject && base::iequals(n, "subject")) ||
           (from && base::iequals(n, "from"));
  });
  // The one header writer: a line break in a value cannot start a field.
  if (subject) out += mail::header_field("Subject", *subject);
  if (from) {
    if (mail::has_control(*from)) return rt.fail("replace: invalid :from address '" + *from + "'");
    out += mail::structured_field("From", mail::encode_mailbox(*from));
  }
  out += "MIME-Version: 1.0\r\n";
  out += text_entity(rt, a);
  set_edited(rt, std::move(out));
  forget_inside(rt, {});  // in a loop at the message itself: its parts are gone
}

// enclose always encloses the whole message (RFC 5703 §6). Inside a loop the
// parts being iterated over are now inside the new message/rfc822 part (the
// second child), so every loop's paths move there.
void move_into_enclosure(Runtime& rt) {
  for (Loop& l : rt.result_state<Loops>().stack)
    for (PartPath& p : l.parts) p.insert(p.begin(), {1, 0});
}

void run_enclose(Runtime& rt, const Args& a) {
  const mail::Message& m = rt.message();
  const auto subject = rt.string(a, kSubject);
  std::string out = kept_headers(m, [&](std::string_view n) {
    const std::string l = base::to_lower(n);
    return !(l == "from" || l == "to" || l == "cc" || l == "date" || (!subject && l == "subject"));
  });
  if (subject) out += mail::header_field("Subject", *subject);
  for (const auto& h : rt.strings(a, kHeaders)) {
    auto field = mail::field_line(h);
    if (!field) return rt.fail("enclose: invalid header field '" + h + "'");
    out += *field;
  }
  const std::string boundary = "=_zest_enclose_" + std::to_string(m.size());
  out +=
      "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n";
  out += "--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
  out += crlf(rt.string(*a.find(0))) + "\r\n";
  out += "--" + boundary + "\r\nContent-Type: message/rfc822\r\n\r\n";
  out += crlf(m.raw()) + "\r\n--" + boundary + "--\r\n";
  set_edited(rt, std::move(out));
  move_into_enclosure(rt);
}

}  // namespace

void register_mime(Registry& r) {
  r.add_extension({"mime"});
  r.add_extension({"foreverypart"});
  r.add_extension({"extracttext", {}, {}, {"variables", "foreverypart"}});
  extend(r, "header", true);
  extend(r, "address", false);
  extend(r, "exists", false);
  add_option_tags(r);
  {
    CommandSpec s;
    s.name = "foreverypart";
    s.extension = "foreverypart";
    s.tags = {{"name", kName, ArgKind::String, "name"}};
    s.block = BlockRule::Required;
    s.check = check_loop;
    s.enter = enter_loop;
    s.loop = next_part;
    r.add_command(std::move(s));
  }
  const CommandSpec* loop_spec = r.command("foreverypart", false);
  {
    CommandSpec s;
    s.name = "break";
    s.extension = "foreverypart";
    s.tags = {{"name", kName, ArgKind::String, "name"}};
    s.check = check_break;
    s.run = [loop_spec](Runtime& rt, const Args& a) { run_break(rt, a, loop_spec); };
    r.add_command(std::move(s));
  }
  r.add_extension({"replace"});
  r.add_extension({"enclose"});
  {
    CommandSpec s;
    s.name = "replace";
    s.extension = "replace";
    s.positional = {{"replacement", ArgKind::String}};
    s.tags = {{"mime", kReplaceMime},
              {"subject", kSubject, ArgKind::String, "subject"},
              {"from", kFrom, ArgKind::String, "from"}};
    s.run = run_replace;
    r.add_command(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "enclose";
    s.extension = "enclose";
    s.positional = {{"text", ArgKind::String}};
    s.tags = {{"subject", kSubject, ArgKind::String, "subject"},
              {"headers", kHeaders, ArgKind::StringList, "headers"}};
    s.run = run_enclose;
    r.add_command(std::move(s));
  }
  {
    CommandSpec s;
    s.name = "extracttext";
    s.extension = "extracttext";
    s.positional = {{"varname", ArgKind::String}};
    s.literal_slots = {0};
    s.tags = variables::modifier_tags(r);
    s.tags.push_back({"first", kFirst, ArgKind::Number, "number"});
    s.check = check_extracttext;
    s.run = run_extracttext;
    r.add_command(std::move(s));
  }
}

}  // namespace zest::interp
