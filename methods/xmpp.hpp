// The xmpp notification method (RFC 5437) over RFC 5122 xmpp URIs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "methods/method.hpp"

namespace zest::methods {

struct XmppUri {
  std::string jid;  // node@domain[/resource], percent-decoded
  std::optional<std::string> subject;
  std::optional<std::string> body;
};

Result<XmppUri> parse_xmpp(std::string_view uri);
std::unique_ptr<Method> make_xmpp_method();

}  // namespace zest::methods
