#include "interp/ext_list_name.hpp"

#include <optional>

#include "base/text.hpp"

namespace zest::interp {
namespace {

bool alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool digit(char c) {
  return c >= '0' && c <= '9';
}
bool hex(char c) {
  return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The characters RFC 3986 allows in a URI after the scheme; '%' must start
// a percent-encoded octet.
std::optional<std::string> uri_chars_error(std::string_view s) {
  static constexpr std::string_view kOther = "-._~!$&'()*+,;=:@/?#";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || !hex(s[i + 1]) || !hex(s[i + 2])) return "invalid percent-encoding";
      i += 2;
    } else if (!alpha(c) && !digit(c) && kOther.find(c) == std::string_view::npos) {
      return "invalid character in URI";
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::string> normalize_ext_list_name(std::string_view name) {
  using R = Result<std::string>;
  std::string uri =
      name.starts_with(':') ? "urn:ietf:params:sieve" + std::string(name) : std::string(name);
  const std::size_t colon = uri.find(':');
  if (colon == std::string::npos || colon == 0 || !alpha(uri[0]))
    return R::failure("invalid URI scheme");
  for (std::size_t i = 1; i < colon; ++i)
    if (!alpha(uri[i]) && !digit(uri[i]) && uri[i] != '+' && uri[i] != '-' && uri[i] != '.')
      return R::failure("invalid URI scheme");
  const std::string scheme = base::to_lower(std::string_view(uri).substr(0, colon));
  const std::string_view rest = std::string_view(uri).substr(colon + 1);
  if (scheme == "urn") {
    // urn:<NID>:<NSS> (RFC 8141): NID of 2..32 letters, digits and '-'.
    const std::size_t c2 = rest.find(':');
    if (c2 == std::string_view::npos || c2 < 2 || c2 > 32 || c2 + 1 >= rest.size())
      return R::failure("invalid URN");
    for (std::size_t i = 0; i < c2; ++i)
      if (!alpha(rest[i]) && !digit(rest[i]) && rest[i] != '-') return R::failure("invalid URN");
    if (auto e = uri_chars_error(rest.substr(c2 + 1))) return R::failure("invalid URN: " + *e);
  } else if (scheme == "tag") {
    if (rest.empty()) return R::failure("invalid TAG URI");
    if (auto e = uri_chars_error(rest)) return R::failure("invalid TAG URI: " + *e);
  } else {
    return R::failure(scheme + ": scheme not supported for external list name");
  }
  return base::to_lower(uri);
}

}  // namespace zest::interp
