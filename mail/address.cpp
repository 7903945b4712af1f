#include "mail/address.hpp"

#include <cstdint>

#include "base/text.hpp"

namespace zest::mail {
namespace {

// RFC 5322 atext: ASCII only, so 8-bit addresses count as invalid (as in
// Pigeonhole, which has no SMTPUTF8 support in address tests).
constexpr bool is_atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '/':
    case '=':
    case '?':
    case '^':
    case '_':
    case '`':
    case '{':
    case '|':
    case '}':
    case '~':
      return true;
    default:
      return false;
  }
}

constexpr bool is_special(char c) {
  switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '[':
    case ']':
    case ':':
    case ';':
    case '@':
    case '\\':
    case ',':
    case '.':
    case '"':
      return true;
    default:
      return false;
  }
}

enum class Kind : std::uint8_t { Atom, Quoted, Literal, Special };

struct Token {
  Kind kind;
  bool valid;        // atom of atext only / terminated ASCII quoted string / literal
  char special = 0;  // for Kind::Special
  std::string text;  // atom text, unescaped quoted content, or literal as written
};

bool is_wsp(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// One linear pass; comments are dropped (nesting tracked by a counter, so no
// recursion) and whitespace separates tokens.
std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> tokens;
  tokens.reserve(16);  // an address field's usual count: no regrowth
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const char c = s[i];
    if (is_wsp(c)) {
      ++i;
    } else if (c == '(') {
      std::size_t depth = 0;
      while (i < n) {
        const char d = s[i++];
        if (d == '\\') {
          if (i < n) ++i;
        } else if (d == '(') {
          ++depth;
        } else if (d == ')') {
          if (--depth == 0) break;
        }
      }
    } else if (c == '"') {
      Token t{Kind::Quoted, false, 0, {}};
      bool ascii = true;
      ++i;
      while (i < n) {
        char d = s[i++];
        if (d == '"') {
          t.valid = true;
          break;
        }
        if (d == '\\' && i < n) d = s[i++];
        if (static_cast<unsigned char>(d) >= 0x80 || d == '\0') ascii = false;
        t.text.push_back(d);
      }
      t.valid = t.valid && ascii;
      tokens.push_back(std::move(t));
    } else if (c == '[') {
      Token t{Kind::Literal, false, 0, {}};
      const std::size_t start = i++;
      while (i < n) {
        const char d = s[i++];
        if (d == '\\') {
          if (i < n) ++i;
        } else if (d == '[') {
          break;  // nested '[' is not allowed
        } else if (d == ']') {
          t.valid = true;
          break;
        }
      }
      t.text.assign(s.substr(start, i - start));
      for (char d : t.text) {
        if (static_cast<unsigned char>(d) >= 0x80 || is_wsp(d)) t.valid = false;
      }
      tokens.push_back(std::move(t));
    } else if (is_special(c)) {
      tokens.push_back(Token{Kind::Special, c != '\\' && c != ')' && c != ']', c, {}});
      ++i;
    } else {
      Token t{Kind::Atom, true, 0, {}};
      const std::size_t start = i;
      while (i < n && !is_wsp(s[i]) && !is_special(s[i])) {
        if (!is_atext(s[i])) t.valid = false;
        ++i;
      }
      t.text.assign(s.substr(start, i - start));
      tokens.push_back(std::move(t));
    }
  }
  return tokens;
}

bool is_sp(const Token& t, char c) {
  return t.kind == Kind::Special && t.special == c;
}

using TokenSpan = std::pair<const Token*, const Token*>;  // [first, last)

bool is_dot_atom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    if (c == '.') {
      if (prev == '.') return false;
    } else if (!is_atext(c)) {
      return false;
    }
    prev = c;
  }
  return true;
}

// Quotes are kept only when the local part is not a dot-atom.
std::string normalise_local_part(std::string_view local) {
  if (is_dot_atom(local)) return std::string(local);
  std::string out = "\"";
  for (char c : local) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// local-part ["@" domain]; the whole span must be consumed.
std::optional<MailAddress> parse_addr_spec_tokens(TokenSpan span, bool require_domain,
                                                  bool lenient_dots = false) {
  auto [it, end] = span;
  std::string local;
  if (lenient_dots) {
    // SMTP paths from some mobile carriers carry local parts with leading,
    // trailing or doubled dots; accept them as Pigeonhole does.
    bool any = false;
    bool after_word = false;  // two words need a dot between them
    while (it != end && !is_sp(*it, '@')) {
      if (is_sp(*it, '.')) {
        local.push_back('.');
        after_word = false;
      } else if (it->valid && (it->kind == Kind::Atom || it->kind == Kind::Quoted) && !after_word) {
        local += it->text;
        any = after_word = true;
      } else {
        return std::nullopt;
      }
      ++it;
    }
    if (!any) return std::nullopt;
  }
  while (!lenient_dots) {
    if (it == end || !it->valid || (it->kind != Kind::Atom && it->kind != Kind::Quoted)) {
      return std::nullopt;
    }
    local += it->text;
    ++it;
    if (it != end && is_sp(*it, '.')) {
      local.push_back('.');
      ++it;
      continue;
    }
    break;
  }
  MailAddress address;
  address.local_part = normalise_local_part(local);
  if (it == end) {
    if (require_domain) return std::nullopt;
    return address;
  }
  if (!is_sp(*it, '@')) return std::nullopt;
  ++it;
  if (it != end && it->kind == Kind::Literal) {
    if (!it->valid) return std::nullopt;
    address.domain = it->text;
    ++it;
  } else {
    while (true) {
      if (it == end || it->kind != Kind::Atom || !it->valid) return std::nullopt;
      address.domain += it->text;
      ++it;
      if (it != end && is_sp(*it, '.')) {
        address.domain.push_back('.');
        ++it;
        continue;
      }
      break;
    }
  }
  if (it != end) return std::nullopt;
  return address;
}

// An SMTP source route "@a,@b:" (RFC 5321 A-d-l): every element must be
// "@" and a well-formed domain. Returns where the mailbox starts.
std::optional<const Token*> skip_smtp_route(const Token* it, const Token* end) {
  if (it == end || !is_sp(*it, '@')) return it;
  while (true) {
    if (it == end || !is_sp(*it, '@')) return std::nullopt;
    ++it;
    while (true) {  // sub-domain *("." sub-domain)
      if (it == end || it->kind != Kind::Atom || !it->valid) return std::nullopt;
      ++it;
      if (it != end && is_sp(*it, '.')) {
        ++it;
        continue;
      }
      break;
    }
    if (it != end && is_sp(*it, ',')) {
      ++it;
      continue;
    }
    if (it != end && is_sp(*it, ':')) return it + 1;
    return std::nullopt;
  }
}

// Drops an obsolete source route "@a,@b:" at the start of an angle-addr.
std::optional<const Token*> skip_route(const Token* it, const Token* end) {
  if (it == end || !is_sp(*it, '@')) return it;
  for (; it != end; ++it) {
    if (is_sp(*it, ':')) return it + 1;
  }
  return std::nullopt;
}

// mailbox = name-addr / addr-spec
std::optional<MailAddress> parse_mailbox(TokenSpan span) {
  auto [first, last] = span;
  const Token* open = first;
  while (open != last && !is_sp(*open, '<')) ++open;
  if (open == last) return parse_addr_spec_tokens(span, true);
  // Display-name words before '<' are ignored; their syntax does not matter.
  const Token* close = open + 1;
  while (close != last && !is_sp(*close, '>')) ++close;
  if (close == last) return std::nullopt;
  if (close + 1 != last) return std::nullopt;  // garbage after the angle-addr
  std::optional<const Token*> start = skip_route(open + 1, close);
  if (!start) return std::nullopt;
  return parse_addr_spec_tokens({*start, close}, true);
}

}  // namespace

std::string to_string(const MailAddress& address) {
  if (address.domain.empty()) return address.local_part;
  return address.local_part + "@" + address.domain;
}

AddressList parse_address_list(std::string_view header_value) {
  AddressList result;
  const std::vector<Token> tokens = tokenize(header_value);
  const Token* base = tokens.data();
  std::size_t entry_start = 0;
  bool in_angle = false;
  bool in_group = false;

  auto finish = [&](std::size_t end) {
    if (end > entry_start) {
      if (auto mailbox = parse_mailbox({base + entry_start, base + end})) {
        result.addresses.push_back(std::move(*mailbox));
      } else {
        result.has_invalid = true;
      }
    }
  };

  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.kind != Kind::Special) continue;
    switch (t.special) {
      case '<':
        in_angle = true;
        break;
      case '>':
        in_angle = false;
        break;
      case ',':
        if (!in_angle) {  // inside <> a comma belongs to a source route
          finish(i);
          entry_start = i + 1;
        }
        break;
      case ':': {
        if (in_angle || in_group) break;  // route end, or invalid inside the entry
        // Group "display-name:" — the name is a phrase, never an address.
        bool phrase = true;
        for (std::size_t k = entry_start; k < i; ++k) {
          if (tokens[k].kind == Kind::Special && tokens[k].special != '.') phrase = false;
        }
        if (phrase) {
          in_group = true;
          entry_start = i + 1;
        }
        break;
      }
      case ';':
        if (in_group && !in_angle) {
          finish(i);
          entry_start = i + 1;
          in_group = false;
        }
        break;
      default:
        break;
    }
  }
  finish(tokens.size());
  return result;
}

std::optional<MailAddress> parse_addr_spec(std::string_view text, bool lenient_dots) {
  const std::vector<Token> tokens = tokenize(text);
  return parse_addr_spec_tokens({tokens.data(), tokens.data() + tokens.size()}, true, lenient_dots);
}

bool is_valid_addr_spec(std::string_view text) {
  return parse_addr_spec(text).has_value();
}

std::string_view domain_of(std::string_view address) {
  const auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
}

std::vector<std::string> split_address_list(std::string_view list) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  int angle = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const char c = list[i];
    if (quoted && c == '\\' && i + 1 < list.size()) {
      cur += c;
      cur += list[++i];
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (!quoted && c == '<') ++angle;
    if (!quoted && c == '>' && angle > 0) --angle;
    if (c == ',' && !quoted && angle == 0) {
      out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  out.push_back(std::move(cur));
  return out;
}

std::optional<EnvelopePath> parse_envelope_path(std::string_view path) {
  path = base::trim(path, " \t\r\n");
  EnvelopePath result;
  const bool open = !path.empty() && path.front() == '<';
  const bool close = !path.empty() && path.back() == '>';
  if (open != close || (open && path.size() < 2)) return std::nullopt;
  if (open) path = base::trim(path.substr(1, path.size() - 2), " \t\r\n");
  if (path.empty()) {
    result.null_path = true;
    return result;
  }
  const std::vector<Token> tokens = tokenize(path);
  const Token* first = tokens.data();
  const Token* last = first + tokens.size();
  std::optional<const Token*> start = skip_smtp_route(first, last);
  if (!start) return std::nullopt;
  // A local part alone (e.g. MAILER-DAEMON, postmaster) is acceptable here.
  std::optional<MailAddress> address = parse_addr_spec_tokens({*start, last}, false, true);
  if (!address) return std::nullopt;
  result.address = std::move(*address);
  return result;
}

std::string envelope_address(std::string_view path) {
  if (auto p = parse_envelope_path(path); p && !p->null_path) return to_string(p->address);
  return {};
}

}  // namespace zest::mail
