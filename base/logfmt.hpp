// logfmt fields for the one-line-per-event logs: key=value, the value
// quoted (with \" \\ \n escapes, other controls dropped) when it needs it.
#pragma once

#include <string>
#include <string_view>

namespace zest::base {

std::string log_field(std::string_view key, std::string_view value);

}  // namespace zest::base
