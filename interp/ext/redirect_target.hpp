// The address a redirect goes to: an addr-spec or a single name-addr
// ("Name <a@b>"), as Pigeonhole accepts; returns the bare address. Shared by
// redirect (ext/core.cpp) and redirect :list (ext/extlists.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace zest::interp {

std::optional<std::string> redirect_target(std::string_view s);

}  // namespace zest::interp
