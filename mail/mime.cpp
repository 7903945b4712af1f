// The MIME structure of a message as a flat list of parts holding offsets
// into the raw message: one pass over the bytes, nothing copied per nesting
// level. The rules follow GMime's parser (which zest used before), so
// scripts see the same parts: a boundary line is "--" boundary (or
// "--" boundary "--") followed only by white space, the boundary of any
// enclosing multipart ends a part, the line break before a boundary belongs
// to it, a part without Content-Type is text/plain (message/rfc822 in a
// multipart/digest), and an encoded message/rfc822 part is not parsed.
// Beyond kMaxMimeDepth or kMaxMimeParts the rest is one opaque part.
#include <string>

#include "base/text.hpp"
#include "mail/mime_build.hpp"

namespace zest::mail {
namespace {

enum class Kind { Leaf, Multipart, Message };

// What the line at the parser's position is.
struct Boundary {
  enum Type { None, Eos, Separator, End } type = None;
  std::size_t level = 0;  // index in the boundary stack
};

struct Line {
  std::string_view text;  // without the line break
  std::size_t next;       // offset after the line break
};

bool only_lwsp(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

std::string_view first_field(const std::vector<HeaderField>& headers, std::string_view name) {
  for (const auto& h : headers)
    if (base::iequals(h.name, name)) return h.value;
  return {};
}

bool has_field(const std::vector<HeaderField>& headers, std::string_view name) {
  for (const auto& h : headers)
    if (base::iequals(h.name, name)) return true;
  return false;
}

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7f) return false;
  }
  return true;
}

class Parser {
 public:
  Parser(std::string_view raw, std::vector<MimePart>& parts) : raw_(raw), parts_(parts) {}

  void parse_root(const std::vector<HeaderField>& headers, std::size_t body_offset) {
    pos_ = std::min(body_offset, raw_.size());
    MimePart root;
    Kind kind = describe(root, headers, false, 0);
    construct(std::move(root), kind, true);
  }

 private:
  Line line_at(std::size_t pos) const {
    const std::size_t eol = raw_.find('\n', pos);
    if (eol == std::string_view::npos) return {raw_.substr(pos), raw_.size()};
    std::string_view text = raw_.substr(pos, eol - pos);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    return {text, eol + 1};
  }

  // The boundary `text` is, innermost level first; the end form is tried
  // before the separator at each level.
  Boundary check(std::string_view text) const {
    if (bounds_.empty() || !text.starts_with("--")) return {};
    for (std::size_t level = bounds_.size(); level-- > 0;) {
      const std::string& b = bounds_[level];
      if (!text.substr(2).starts_with(b)) continue;
      const std::string_view rest = text.substr(2 + b.size());
      if (rest.starts_with("--") && only_lwsp(rest.substr(2))) return {Boundary::End, level};
      if (only_lwsp(rest)) return {Boundary::Separator, level};
    }
    return {};
  }

  bool immediate(Boundary b) const { return !bounds_.empty() && b.level == bounds_.size() - 1; }

  // Scans content from pos_ to the next boundary line (pos_ ends there) or
  // the end; returns where the content ends (before the boundary's line
  // break).
  std::size_t scan() {
    const std::size_t start = pos_;
    if (bounds_.empty()) {
      pos_ = raw_.size();
      bound_ = {Boundary::Eos, 0};
      return raw_.size();
    }
    std::size_t p = pos_;  // always the start of a line
    while (p < raw_.size()) {
      if (raw_.substr(p, 2) == "--") {
        const Line l = line_at(p);
        if (const Boundary b = check(l.text); b.type != Boundary::None) {
          pos_ = p;
          bound_ = b;
          return content_end(start, p);
        }
        p = l.next;
        continue;
      }
      // Only a line that starts with "--" can be a boundary: the next one
      // is found by its first "-" (memchr; "-" is rare in text and absent
      // from base64) instead of looking at every line.
      p = next_dash_line(p);
    }
    pos_ = raw_.size();
    bound_ = {Boundary::Eos, 0};
    return raw_.size();
  }

  // The start of the next line after `from` that starts with "--"; the end
  // when there is none.
  std::size_t next_dash_line(std::size_t from) const {
    for (std::size_t q = raw_.find('-', from); q != std::string_view::npos;
         q = raw_.find('-', q + 1))
      if (q > from && raw_[q - 1] == '\n' && q + 1 < raw_.size() && raw_[q + 1] == '-') return q;
    return raw_.size();
  }

  // The end of content that a boundary line at `at` ends.
  std::size_t content_end(std::size_t start, std::size_t at) const {
    std::size_t end = at;
    if (end > start && raw_[end - 1] == '\n') {
      --end;
      if (end > start && raw_[end - 1] == '\r') --end;
    }
    return end;
  }

  enum class HeadersEnd { Blank, Boundary, Eof };

  // Reads a header block at pos_. Lines that are not fields are ignored;
  // the block ends at an empty line (pos_ after it), a boundary line (pos_
  // at it) or the end.
  HeadersEnd read_headers(std::vector<HeaderField>& out) {
    bool open = false;  // the last field may still continue
    while (pos_ < raw_.size()) {
      const Line l = line_at(pos_);
      if (l.text.empty()) {
        pos_ = l.next;
        finish(out);
        return HeadersEnd::Blank;
      }
      if (const Boundary b = check(l.text); b.type != Boundary::None) {
        bound_ = b;
        finish(out);
        return HeadersEnd::Boundary;
      }
      pos_ = l.next;
      if (l.text.front() == ' ' || l.text.front() == '\t') {
        if (open) out.back().value.append(l.text);
        continue;
      }
      const std::size_t colon = l.text.find(':');
      const std::string_view name = colon == std::string_view::npos
                                        ? std::string_view{}
                                        : base::trim(l.text.substr(0, colon), " \t");
      open = valid_name(name);
      if (open)
        out.push_back(HeaderField{std::string(name), std::string(l.text.substr(colon + 1))});
    }
    finish(out);
    bound_ = {Boundary::Eos, 0};
    return HeadersEnd::Eof;
  }

  static void finish(std::vector<HeaderField>& fields) {
    for (auto& f : fields) trim_field_value(f.value);
  }

  // Fills type, parameters and headers; returns how the part is parsed.
  Kind describe(MimePart& part, std::vector<HeaderField> headers, bool in_digest, int depth) {
    part.depth = depth;
    std::string structural = in_digest ? "message/rfc822" : "text/plain";
    if (has_field(headers, "content-type")) {
      if (auto ct = parse_content_type(first_field(headers, "content-type"))) {
        structural = ct->type + "/" + ct->subtype;
        part.content_type = structural;
        part.content_type_params = std::move(ct->params);
      } else {
        part.content_type = "application/octet-stream";
      }
    } else {
      part.content_type = structural;
    }
    if (has_field(headers, "content-disposition"))
      part.content_disposition =
          parse_disposition(first_field(headers, "content-disposition"), part.disposition_params);
    Kind kind = Kind::Leaf;
    if (structural.starts_with("multipart/")) {
      kind = Kind::Multipart;
      part.is_multipart = true;
    } else if (structural == "message/rfc822" || structural == "message/rfc2822" ||
               structural == "message/global" || structural == "message/news") {
      const std::string cte =
          base::to_lower(base::trim(first_field(headers, "content-transfer-encoding"), " \t"));
      const bool encoded =
          cte == "base64" || cte == "quoted-printable" || cte == "x-uuencode" || cte == "uuencode";
      if (!encoded) kind = Kind::Message;
    }
    part.headers = std::move(headers);
    return kind;
  }

  // Adds `part` (headers read) and parses its body from pos_; `has_body`
  // is false when a boundary line ended its headers. Returns its index.
  std::size_t construct(MimePart part, Kind kind, bool has_body) {
    const std::size_t idx = parts_.size();
    part.index = idx;
    part.body_begin = pos_;
    const bool split = part.depth < kMaxMimeDepth && parts_.size() + 1 < kMaxMimeParts;
    if (kind != Kind::Leaf && !split) {
      part.opaque = true;
      kind = Kind::Leaf;
    }
    parts_.push_back(std::move(part));
    if (!has_body) {
      parts_[idx].body_end = pos_;
    } else if (kind == Kind::Multipart) {
      multipart(idx);
    } else if (kind == Kind::Message) {
      message(idx);
    } else {
      parts_[idx].body_end = scan();
    }
    parts_[idx].end = parts_.size();
    return idx;
  }

  void multipart(std::size_t idx) {
    const auto b = parts_[idx].content_type_params.find("boundary");
    if (b == parts_[idx].content_type_params.end() || b->second.empty()) {
      parts_[idx].body_end = scan();  // no boundary: the body is all prologue
      return;
    }
    bounds_.push_back(b->second);
    std::size_t end = scan();  // the prologue
    if (bound_.type == Boundary::Separator && immediate(bound_)) subparts(idx);
    if (bound_.type == Boundary::End && immediate(bound_)) {
      pos_ = line_at(pos_).next;
      bounds_.pop_back();
      end = scan();  // the epilogue, up to an enclosing boundary
    } else {
      bounds_.pop_back();
      end = bound_.type == Boundary::Eos ? raw_.size() : content_end(parts_[idx].body_begin, pos_);
    }
    parts_[idx].body_end = std::max(end, parts_[idx].body_begin);
  }

  void subparts(std::size_t idx) {
    const bool digest = parts_[idx].content_type == "multipart/digest";
    const int depth = parts_[idx].depth + 1;
    do {
      pos_ = line_at(pos_).next;  // the boundary line
      if (pos_ >= raw_.size()) {
        bound_ = {Boundary::Eos, 0};
        return;
      }
      if (parts_.size() + 1 >= kMaxMimeParts) {
        rest_as_one_part(idx, depth);
        return;
      }
      std::vector<HeaderField> headers;
      const HeadersEnd how = read_headers(headers);
      if (headers.empty() && how == HeadersEnd::Boundary) {
        if (bound_.type == Boundary::Separator && immediate(bound_)) continue;
        return;
      }
      if (headers.empty() && how == HeadersEnd::Eof) {
        bound_ = {Boundary::End, bounds_.size() - 1};
        return;
      }
      MimePart child;
      const Kind kind = describe(child, std::move(headers), digest, depth);
      // construct() grows parts_: take the index before touching parts_[idx].
      const std::size_t c = construct(std::move(child), kind, how != HeadersEnd::Boundary);
      parts_[idx].children.push_back(c);
    } while (bound_.type == Boundary::Separator && immediate(bound_));
  }

  // The part count limit is reached: what is left of the multipart at
  // `idx` becomes one opaque part.
  void rest_as_one_part(std::size_t idx, int depth) {
    const std::size_t start = pos_;
    std::size_t end = scan();
    while (bound_.type == Boundary::Separator && immediate(bound_)) {
      pos_ = line_at(pos_).next;
      end = scan();
    }
    MimePart rest;
    rest.depth = depth;
    rest.opaque = true;
    rest.index = parts_.size();
    rest.end = rest.index + 1;
    rest.body_begin = start;
    rest.body_end = std::max(start, end);
    parts_[idx].children.push_back(rest.index);
    parts_.push_back(std::move(rest));
  }

  void message(std::size_t idx) {
    if (pos_ >= raw_.size()) {
      bound_ = {Boundary::Eos, 0};
      parts_[idx].body_end = raw_.size();
      return;
    }
    if (const Boundary b = check(line_at(pos_).text); b.type != Boundary::None) {
      bound_ = b;  // an empty message/rfc822 part
      parts_[idx].body_end = pos_;
      return;
    }
    std::vector<HeaderField> headers;
    const HeadersEnd how = read_headers(headers);
    MimePart inner;
    const Kind kind = describe(inner, std::move(headers), false, parts_[idx].depth + 1);
    const std::size_t c = construct(std::move(inner), kind, how != HeadersEnd::Boundary);
    parts_[idx].children.push_back(c);
    parts_[idx].body_end =
        bound_.type == Boundary::Eos
            ? raw_.size()
            : std::max(parts_[idx].body_begin, content_end(parts_[idx].body_begin, pos_));
  }

  std::string_view raw_;
  std::vector<MimePart>& parts_;
  std::vector<std::string> bounds_;  // boundary parameters, outermost first
  std::size_t pos_ = 0;
  Boundary bound_;  // what the line at pos_ is, after a scan
};

}  // namespace

std::vector<MimePart> build_mime_parts(std::string_view raw,
                                       const std::vector<HeaderField>& headers,
                                       std::size_t body_offset) {
  std::vector<MimePart> parts;
  parts.reserve(8);  // most messages have fewer parts: no moves of parts while it grows
  Parser(raw, parts).parse_root(headers, body_offset);
  return parts;
}

}  // namespace zest::mail
