// The one writer of the messages zest generates: vacation replies, reports,
// notifications and their :fcc copies. Every field goes through
// header_codec.hpp, so values are checked in one place: a line break in a
// value becomes folding white space (no field can be injected), lines are
// folded at white space towards 78 columns, an unstructured value that
// cannot be folded within 998 octets is encoded, and field names are
// checked (by the compiler when they are constants). Lines end in CRLF.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "mail/header_codec.hpp"

namespace zest::mail {

// A checked RFC 5322 field name.
class FieldName {
 public:
  // A constant name, checked at compile time.
  consteval FieldName(const char* name) : name_(name) {
    if (!valid_field_name(name_)) throw "not an RFC 5322 field name";
  }
  // A name known only at run time: nullopt when it is not valid. The view
  // must outlive the FieldName.
  static std::optional<FieldName> parse(std::string_view name) {
    if (!valid_field_name(name)) return std::nullopt;
    return FieldName(name, Checked{});
  }
  std::string_view str() const { return name_; }

 private:
  struct Checked {};
  FieldName(std::string_view name, Checked) : name_(name) {}
  std::string_view name_;
};

class MessageBuilder {
 public:
  // Unstructured text (Subject, X-Sieve...): encoded-words when not ASCII.
  MessageBuilder& text(FieldName name, std::string_view value);
  // A structured value in its wire form (message ids, parameters, address
  // text copied from a message): never encoded.
  MessageBuilder& field(FieldName name, std::string_view value);
  // Addresses as written ("Name <a@b>", "<a@b>", "a@b"), a display name
  // that is not ASCII encoded; several are written one per line.
  MessageBuilder& mailbox(FieldName name, std::string_view address);
  MessageBuilder& mailboxes(FieldName name, std::span<const std::string> addresses);
  // Date: the time in RFC 5322 form, UTC.
  MessageBuilder& date(std::int64_t unix_seconds);
  // Message-ID: a new random id "<zest.…@domain>".
  MessageBuilder& message_id(std::string_view domain);
  MessageBuilder& mime_version() { return field("MIME-Version", "1.0"); }
  // Content-Type text/plain in UTF-8, Content-Transfer-Encoding 8bit.
  MessageBuilder& utf8_text_content();

  // The header fields written so far.
  const std::string& header() const { return header_; }
  // The header, the empty line, then `body` as text: CRLF line ends, lines
  // longer than 998 octets broken (RFC 5322 §2.1.1).
  std::string with_text(std::string_view body) const;
  // The header, the empty line, then `content` as given (CRLF already, as
  // multipart_body and to_crlf make it).
  std::string with_content(std::string_view content) const;
  // The header continued by `entity`, a MIME entity with its own header
  // fields, an empty line and a body (vacation :mime), in CRLF.
  std::string with_entity(std::string_view entity) const;

 private:
  std::string header_;
};

// `text` with CRLF line ends and lines longer than 998 octets broken.
std::string text_lines(std::string_view text);

// A boundary for a multipart body: `prefix` and random digits.
std::string random_boundary(std::string_view prefix);
// The Content-Type value of a multipart body: `type` (with its own
// parameters), then the boundary parameter on a folded line.
std::string multipart_type(std::string_view type, std::string_view boundary);
// A multipart body (RFC 2046 §5.1): a preamble for non-MIME readers, each
// part (an entity: header fields, empty line, body, in CRLF) after a
// delimiter line, and the close delimiter.
std::string multipart_body(std::string_view boundary, std::span<const std::string> parts);

}  // namespace zest::mail
