// A part's content on demand: transfer decoding (base64,
// quoted-printable) and, for text/*, charset conversion to UTF-8.
#include "base/base64.hpp"
#include "base/text.hpp"
#include "base/utf8.hpp"
#include "mail/mime_build.hpp"
#include "mail/rfc2047.hpp"

namespace zest::mail {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 2045 §6.7, leniently: "=XX" is an octet, "=" at the end of a line
// (after optional white space) a soft line break, anything else literal.
std::string decode_quoted_printable(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    // The octets up to the next "=" are copied as one run.
    const std::size_t eq = in.find('=', i);
    out.append(in.substr(i, eq == std::string_view::npos ? std::string_view::npos : eq - i));
    if (eq == std::string_view::npos) break;
    i = eq;
    std::size_t j = i + 1;
    while (j < in.size() && (in[j] == ' ' || in[j] == '\t')) ++j;
    if (j < in.size() && in[j] == '\r' && j + 1 < in.size() && in[j + 1] == '\n') {
      i = j + 2;  // soft line break (CRLF)
      continue;
    }
    if (j < in.size() && in[j] == '\n') {
      i = j + 1;  // soft line break (LF)
      continue;
    }
    if (j == in.size()) break;  // "=" at the very end
    if (i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      i += 3;
      continue;
    }
    out += '=';
    ++i;
  }
  return out;
}

std::string_view field(const MimePart& part, std::string_view name) {
  for (const auto& h : part.headers)
    if (base::iequals(h.name, name)) return h.value;
  return {};
}

}  // namespace

std::string_view part_body_of(std::string_view raw, const MimePart& part) {
  const std::size_t begin = std::min(part.body_begin, raw.size());
  return raw.substr(begin, std::min(part.body_end, raw.size()) - std::min(begin, part.body_end));
}

std::optional<std::string> decode_part_content(std::string_view raw, const MimePart& part) {
  const std::string_view body = part_body_of(raw, part);
  if (part.opaque) return to_utf8_if_changed(body, "utf-8");
  if (part.is_multipart || !part.children.empty()) return std::string();
  const std::string cte =
      base::to_lower(base::trim(field(part, "content-transfer-encoding"), " \t"));
  const bool text = part.content_type.starts_with("text/");
  const auto charset_param = part.content_type_params.find("charset");
  const std::string_view charset = charset_param == part.content_type_params.end()
                                       ? std::string_view()
                                       : std::string_view(charset_param->second);
  // Identity-encoded content is the body as written unless its charset
  // conversion changes it: no copy of a part that may be most of a 20 MiB
  // message.
  if (cte != "base64" && cte != "quoted-printable")
    return text ? to_utf8_if_changed(body, charset) : std::nullopt;
  std::string bytes =
      cte == "base64" ? base::base64_decode_lenient(body) : decode_quoted_printable(body);
  if (text)
    if (std::optional<std::string> converted = to_utf8_if_changed(bytes, charset)) return converted;
  return bytes;
}

}  // namespace zest::mail
