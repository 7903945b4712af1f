// Internal: builds the MimePart tree with GMime (not part of the public API).
#pragma once

#include <string_view>
#include <vector>

#include "mail/message.hpp"

namespace zest::mail {

// Never fails: falls back to a single text/plain part made of `body`.
MimePart build_mime_tree(std::string_view raw, const std::vector<HeaderField>& headers,
                         std::string_view body);

}  // namespace zest::mail
