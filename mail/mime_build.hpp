// Internal to mail/: parsing the MIME structure of a message into the flat
// part list of Message, and decoding a part's content (not public API).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mail/message.hpp"

namespace zest::mail {

// Never fails: whatever the bytes, the result has at least the root part
// (`headers` and the body from `body_offset`). At most kMaxMimeParts parts,
// none split below kMaxMimeDepth.
std::vector<MimePart> build_mime_parts(std::string_view raw,
                                       const std::vector<HeaderField>& headers,
                                       std::size_t body_offset);

// An unfolded field value trimmed of white space and line breaks in place
// (no second string per field). Defined in message.cpp.
void trim_field_value(std::string& value);

// The body of a part in `raw` (still transfer-encoded), clamped to `raw`.
std::string_view part_body_of(std::string_view raw, const MimePart& part);
// Transfer-decoded content of a leaf part (see Message::part_content), or
// nullopt when that is the part's body as written (part_body_of): identity
// encoded and already valid UTF-8 for text, so nothing is copied.
std::optional<std::string> decode_part_content(std::string_view raw, const MimePart& part);

// A Content-Type value: "type", "subtype" (both lower-case) and the
// parameters; nullopt when it has no valid type/subtype (as GMime, whose
// rules the MIME view keeps: comments and white space around the tokens
// are skipped, junk after the subtype is ignored).
struct ContentType {
  std::string type, subtype;
  std::map<std::string, std::string> params;
};
std::optional<ContentType> parse_content_type(std::string_view value);
// A Content-Disposition value: the lower-case disposition and parameters.
std::string parse_disposition(std::string_view value, std::map<std::string, std::string>& params);

}  // namespace zest::mail
