// RFC 5173 body: the body test with the :raw, :content and :text
// transforms.
#include <algorithm>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "base/text.hpp"
#include "interp/checker.hpp"
#include "interp/registry.hpp"
#include "interp/runtime.hpp"
#include "mail/message.hpp"

namespace zest::interp {
namespace {

constexpr Slot kKeys = 0;
constexpr Slot kRaw = 16;
constexpr Slot kContent = 17;
constexpr Slot kText = 18;

// A content type is valid when it is exactly "type/subtype".
bool valid_type(std::string_view t) {
  const auto slash = t.find('/');
  return slash != std::string_view::npos && slash > 0 && slash + 1 < t.size() &&
         t.find('/', slash + 1) == std::string_view::npos;
}

// RFC 5173 §5.2: "" matches all, "type/subtype" exactly one type, "type"
// every subtype; a spec with a leading, trailing or second slash nothing.
bool content_matches(std::string_view spec, std::string_view type) {
  if (spec.empty()) return true;
  if (!valid_type(type)) return false;
  if (spec.find('/') != std::string_view::npos)
    return valid_type(spec) && base::iequals(spec, type);
  return base::iequals(spec, type.substr(0, type.find('/')));
}

// A message has a body only when an empty line ends its header (§5).
bool has_body(std::string_view raw) {
  if (raw.starts_with("\n") || raw.starts_with("\r\n")) return true;
  return raw.find("\n\n") != std::string_view::npos || raw.find("\n\r\n") != std::string_view::npos;
}

std::string_view header_value(const mail::MimePart& p, std::string_view name) {
  for (const auto& h : p.headers)
    if (base::iequals(h.name, name)) return h.value;
  return {};
}

// The part's type; "" when its Content-Type field is malformed (GMime
// reads "text/plain/stupid" as text/plain, RFC 5173 §5.2 as nothing).
std::string_view part_type(const mail::MimePart& p) {
  for (const auto& h : p.headers)
    if (base::iequals(h.name, "content-type")) {
      const std::string_view v =
          base::trim(std::string_view(h.value).substr(0, h.value.find(';')), " \t");
      if (!valid_type(v)) return {};
      break;
    }
  return p.content_type;
}

// Pigeonhole does not match parts whose transfer encoding it cannot undo.
bool decodable(const mail::MimePart& p) {
  const std::string_view cte = header_value(p, "content-transfer-encoding");
  if (cte.empty()) return true;
  for (std::string_view known : {"7bit", "8bit", "binary", "quoted-printable", "base64"})
    if (base::iequals(cte, known)) return true;
  return false;
}

// The prologue and epilogue of a multipart, found through its boundary.
// Views into the raw message.
void multipart_texts(const mail::Message& m, const mail::MimePart& p,
                     std::vector<std::string_view>& out) {
  const auto b = p.content_type_params.find("boundary");
  if (b == p.content_type_params.end() || b->second.empty()) return;
  const std::string delim = "--" + b->second;
  const std::string_view body = m.part_body(p);
  std::size_t first = std::string_view::npos, close_end = std::string_view::npos;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    const std::size_t eol = body.find('\n', pos);
    const std::size_t end = eol == std::string_view::npos ? body.size() : eol + 1;
    std::string_view line = body.substr(pos, end - pos);
    if (line.starts_with(delim)) {
      if (first == std::string_view::npos) first = pos;
      if (line.substr(delim.size()).starts_with("--")) close_end = end;
    }
    if (eol == std::string_view::npos) break;
    pos = end;
  }
  if (first == std::string_view::npos) return;
  std::string_view prologue = body.substr(0, first);
  // The line break before a delimiter belongs to the delimiter.
  if (prologue.ends_with("\n")) prologue.remove_suffix(1);
  if (prologue.ends_with("\r")) prologue.remove_suffix(1);
  if (!prologue.empty()) out.emplace_back(prologue);
  if (close_end != std::string_view::npos && close_end < body.size())
    out.emplace_back(body.substr(close_end));
}

// The header block of an embedded message, with the last line's break,
// in CRLF when `crlf` (the message's line ends).
std::string nested_header(std::string_view raw, bool crlf) {
  if (raw.starts_with("\n") || raw.starts_with("\r\n")) return {};
  std::size_t at = raw.find("\n\n");
  const std::size_t cr = raw.find("\n\r\n");
  if (cr != std::string_view::npos && (at == std::string_view::npos || cr < at)) at = cr;
  const std::string_view h = at == std::string_view::npos ? raw : raw.substr(0, at + 1);
  if (!crlf) return std::string(h);
  std::string out;
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (h[i] == '\n' && (i == 0 || h[i - 1] != '\r')) out += '\r';
    out += h[i];
  }
  return out;
}

// Text of an HTML part without markup: tags and script/style contents go,
// a few common entities are decoded.
// Where "</name" starts at or after `from`, in any case; the end when none.
// Searched in place: lower-casing the rest of the document for each
// script or style element would make many of them quadratic.
std::size_t find_closing_tag(std::string_view html, std::size_t from, std::string_view name) {
  for (std::size_t at = html.find("</", from); at != std::string_view::npos;
       at = html.find("</", at + 2))
    if (base::istarts_with(html.substr(at + 2), name)) return at;
  return html.size();
}

std::string html_to_text(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  // Where the next "<" and "&" are (memchr-fast searches, each octet
  // looked at once, instead of testing every octet for both).
  std::size_t next_lt = html.find('<'), next_amp = html.find('&');
  std::size_t i = 0;
  while (i < html.size()) {
    if (next_lt < i) next_lt = html.find('<', i);
    if (next_amp < i) next_amp = html.find('&', i);
    const char c = html[i];
    if (c == '<') {
      const std::size_t close = html.find('>', i);
      if (close == std::string_view::npos) break;
      const std::string_view tag = html.substr(i + 1, close - i - 1);
      i = close + 1;
      for (std::string_view skip : {"script", "style"})
        if (base::istarts_with(tag, skip)) i = find_closing_tag(html, i, skip);
      if (!out.empty() && out.back() != ' ' && out.back() != '\n' &&
          (base::istarts_with(tag, "br") || base::istarts_with(tag, "p") ||
           base::istarts_with(tag, "/p") || base::istarts_with(tag, "div") ||
           base::istarts_with(tag, "/div")))
        out += ' ';
      continue;
    }
    if (c == '&') {
      // Only the next 8 octets can close a known entity: a search of the
      // whole rest for each "&" would be quadratic.
      const std::size_t near = html.substr(i, 9).find(';');
      const std::size_t semi = near == std::string_view::npos ? near : i + near;
      if (semi != std::string_view::npos) {
        const std::string_view ent = html.substr(i + 1, semi - i - 1);
        const char* rep = ent == "amp"    ? "&"
                          : ent == "lt"   ? "<"
                          : ent == "gt"   ? ">"
                          : ent == "quot" ? "\""
                          : ent == "apos" ? "'"
                          : ent == "nbsp" ? " "
                                          : nullptr;
        if (rep) {
          out += rep;
          i = semi + 1;
          continue;
        }
      }
    }
    // Text up to the next tag or entity is copied as one run.
    if (next_amp <= i) next_amp = html.find('&', i + 1);
    const std::size_t end = std::min({next_lt, next_amp, html.size()});
    out.append(html.substr(i, end - i));
    i = end;
  }
  return out;
}

// The parts are walked in their pre-order list (no recursion: the MIME
// view bounds their number and depth, see mail/message.hpp).
// Views as in collect_text; an embedded message's header block is made here
// and kept in `made`.
void collect_content(const mail::Message& m, const std::vector<std::string>& specs, bool crlf,
                     std::deque<std::string>& made, std::vector<std::string_view>& out) {
  for (const mail::MimePart& p : m.mime_parts()) {
    const std::string_view type = part_type(p);
    bool wanted = false;
    for (const auto& s : specs)
      if (content_matches(s, type)) wanted = true;
    if (!wanted) continue;
    if (p.opaque) {
      out.emplace_back(m.part_content(p));  // beyond the limits: plain text
    } else if (p.is_multipart) {
      multipart_texts(m, p, out);
    } else if (p.content_type == "message/rfc822") {
      out.emplace_back(made.emplace_back(nested_header(m.part_body(p), crlf)));
    } else if (decodable(p)) {
      out.emplace_back(m.part_content(p));
    }
  }
}

// Views of the message's cached decodings (Message::part_content keeps
// them for the message's life); an HTML part's text is made here and kept
// in `made` (a deque: adding one never moves the others).
void collect_text(const mail::Message& m, std::deque<std::string>& made,
                  std::vector<std::string_view>& out) {
  for (const mail::MimePart& p : m.mime_parts()) {
    if (p.opaque) {
      out.emplace_back(m.part_content(p));  // beyond the limits: plain text
      continue;
    }
    if (p.is_multipart || p.content_type == "message/rfc822") continue;
    if (part_type(p).empty() || !decodable(p)) continue;
    if (p.content_type == "text/html" || p.content_type == "application/xhtml+xml") {
      out.emplace_back(made.emplace_back(html_to_text(m.part_content(p))));
    } else if (p.content_type.starts_with("text/")) {
      out.emplace_back(m.part_content(p));
    }
  }
}

bool body_test(Runtime& rt, const Args& a) {
  const mail::Message& m = rt.message();
  std::deque<std::string> made;  // values built here; the rest are views
  std::vector<std::string_view> values;
  if (has_body(m.raw())) {
    if (a.has(kRaw)) {
      values.emplace_back(m.body());
    } else if (const ArgValue* c = a.find(kContent)) {
      const bool crlf = m.raw().find("\r\n") != std::string_view::npos;
      collect_content(m, rt.strings(*c), crlf, made, values);
    } else {
      collect_text(m, made, values);
    }
  }
  // RFC 5173 §6: the body test never sets match variables.
  std::vector<std::string> saved = rt.match_values();
  const bool result =
      rt.match(a, std::span<const std::string_view>(values), rt.string_list(a, kKeys).span());
  rt.set_match_values(std::move(saved));
  return result;
}

}  // namespace

void register_body(Registry& r) {
  r.add_extension({"body"});
  CommandSpec s;
  s.name = "body";
  s.is_test = true;
  s.extension = "body";
  s.positional = {{"key list", ArgKind::StringList}};
  s.tags = {
      {"raw", kRaw}, {"content", kContent, ArgKind::StringList, "content types"}, {"text", kText}};
  s.groups = {TagGroup::Comparator, TagGroup::MatchType};
  s.check = [](CheckContext& ctx, CheckedCall& call) {
    int transforms = 0;
    for (Slot t : {kRaw, kContent, kText})
      if (call.find(t)) ++transforms;
    if (transforms > 1)
      ctx.error(call.loc, "multiple body transforms specified for " + call.what());
  };
  s.test = body_test;
  r.add_command(std::move(s));
}

}  // namespace zest::interp
