// Content-Type and Content-Disposition values: type/subtype and parameters
// with RFC 2231 continuations and charsets and RFC 2047 encoded words
// decoded to UTF-8.
#include <algorithm>
#include <vector>

#include "base/percent.hpp"
#include "base/text.hpp"
#include "base/utf8.hpp"
#include "mail/mime_build.hpp"
#include "mail/rfc2047.hpp"

namespace zest::mail {
namespace {

bool is_tspecial(char c) {
  return std::string_view("()<>@,;:\\\"/[]?=").find(c) != std::string_view::npos;
}

bool is_ttoken(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > ' ' && u != 0x7f && !is_tspecial(c);
}

using base::skip_cfws;

std::string_view token(std::string_view s, std::size_t& i) {
  const std::size_t start = i;
  while (i < s.size() && is_ttoken(s[i])) ++i;
  return s.substr(start, i - start);
}

struct Piece {
  std::string base;  // lower-case name without the RFC 2231 suffix
  int section = -1;  // -1: no section number
  bool extended = false;
  bool rfc2231 = false;
  std::string value;
};

// Parameters after the first ';' of a structured field.
std::vector<Piece> split_params(std::string_view s, std::size_t i) {
  std::vector<Piece> out;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ';' || base::is_wsp(s[i]) || s[i] == '\r' || s[i] == '\n')) ++i;
    skip_cfws(s, i);
    const std::size_t name_start = i;
    while (i < s.size() && s[i] != '=' && s[i] != ';') ++i;
    const std::string name =
        base::to_lower(base::trim(s.substr(name_start, i - name_start), " \t\r\n"));
    if (i >= s.size() || s[i] != '=') continue;
    ++i;
    skip_cfws(s, i);
    std::string value;
    if (i < s.size() && s[i] == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        if (s[i] != '\r' && s[i] != '\n') value += s[i];
      }
      if (i < s.size()) ++i;  // the closing quote
      while (i < s.size() && s[i] != ';') ++i;
    } else {
      const std::size_t start = i;
      while (i < s.size() && s[i] != ';') ++i;
      value = std::string(base::trim(s.substr(start, i - start), " \t\r\n"));
    }
    if (name.empty()) continue;
    Piece p;
    p.value = std::move(value);
    const std::size_t star = name.find('*');
    if (star == std::string::npos) {
      p.base = name;
    } else {
      p.base = name.substr(0, star);
      std::string_view rest = std::string_view(name).substr(star + 1);
      p.rfc2231 = true;
      p.extended = rest.ends_with('*') || rest.empty();
      if (rest.ends_with('*')) rest.remove_suffix(1);
      if (!rest.empty()) {
        if (!std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
            rest.size() > 4)
          continue;
        p.section = std::stoi(std::string(rest));
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

void collect_params(std::string_view s, std::size_t i, std::map<std::string, std::string>& out) {
  std::vector<Piece> pieces = split_params(s, i);
  // RFC 2231 values, joined in section order, win over plain ones.
  std::stable_sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) {
    return a.base != b.base ? a.base < b.base : a.section < b.section;
  });
  for (std::size_t k = 0; k < pieces.size();) {
    std::size_t e = k;
    bool any2231 = false;
    while (e < pieces.size() && pieces[e].base == pieces[k].base) any2231 |= pieces[e++].rfc2231;
    std::string value;
    if (any2231) {
      std::string charset, bytes;
      bool first = true;
      for (std::size_t j = k; j < e; ++j) {
        if (!pieces[j].rfc2231) continue;
        std::string_view v = pieces[j].value;
        if (pieces[j].extended) {
          if (first) {
            const auto q1 = v.find('\'');
            const auto q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
            if (q2 != std::string_view::npos) {
              charset = std::string(v.substr(0, q1));
              v = v.substr(q2 + 1);
            }
          }
          bytes += base::percent_decode_lenient(v);
        } else {
          bytes += v;
        }
        first = false;
      }
      value = to_utf8(bytes, charset);
    } else {
      const std::string& v = pieces[k].value;  // the first of the plain ones
      value = v.find("=?") != std::string::npos ? decode_rfc2047(v) : base::replace_invalid_utf8(v);
    }
    out.emplace(pieces[k].base, std::move(value));
    k = e;
  }
}

}  // namespace

std::optional<ContentType> parse_content_type(std::string_view value) {
  std::size_t i = 0;
  skip_cfws(value, i);
  ContentType ct;
  ct.type = base::to_lower(token(value, i));
  skip_cfws(value, i);
  if (i >= value.size() || value[i] != '/') return std::nullopt;
  ++i;
  skip_cfws(value, i);
  ct.subtype = base::to_lower(token(value, i));
  if (ct.subtype.empty()) return std::nullopt;
  const std::size_t semi = value.find(';', i);
  if (semi != std::string_view::npos) collect_params(value, semi + 1, ct.params);
  return ct;
}

std::string parse_disposition(std::string_view value, std::map<std::string, std::string>& params) {
  const std::size_t semi = value.find(';');
  if (semi != std::string_view::npos) collect_params(value, semi + 1, params);
  return base::to_lower(base::trim(value.substr(0, semi), " \t\r\n"));
}

}  // namespace zest::mail
