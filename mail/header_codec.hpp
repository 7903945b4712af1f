// Writing header fields (RFC 5322 §2.2 folding, RFC 2047 encoded-words)
// and editing the header of a raw message, for editheader and for the
// messages zest generates (mail/message_builder.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zest::mail {

// RFC 5322 §2.1.1: no line longer than 998 octets, CRLF excluded.
constexpr std::size_t kMaxLineLength = 998;

// RFC 5322 §3.6.8 field name: one or more printable ASCII characters
// other than ':'.
constexpr bool valid_field_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (c < 33 || c > 126 || c == ':') return false;
  return true;
}

// `s` with every line ending (LF, CR or CRLF) written as CRLF.
std::string to_crlf(std::string_view s);

// The one RFC 2047 encoder of zest. `text` is returned unchanged when it is
// ASCII; otherwise it becomes UTF-8 B encoded-words of at most 45 octets of
// text each (75 characters with the delimiters), split between characters
// and joined by folding white space ("\r\n ").
// The rule for bad input: an invalid UTF-8 sequence becomes U+FFFD. Every
// valid character is kept, C0 controls included, so that a value decodes
// to what was written (editheader's tests read back what they added); a
// caller that must not carry controls cleans the text first
// (base::clean_utf8), as the mailto notification does with its subject.
std::string encode_words(std::string_view text);

// A complete unstructured header field "Name: value\r\n" (Subject and the
// like): line breaks in the value become folding white space, long ASCII
// lines are folded at white space, and a value that is not ASCII, or that
// has a word too long to fold within 998 octets, is written as encoded-words.
std::string header_field(std::string_view name, std::string_view value);

// A complete structured header field (addresses, message ids, parameters):
// the value is written as given, never encoded, except that line breaks
// become folding white space and long lines are folded at white space. A
// single word longer than 998 octets cannot be folded and stays whole.
std::string structured_field(std::string_view name, std::string_view value);

// A whole field given as one line of text ("Name: value", enclose
// :headers): the name checked, the value written as header_field writes
// it. nullopt when there is no valid field name before the colon.
std::optional<std::string> field_line(std::string_view line);

// True when `s` holds a control character (CR, LF, NUL...; TAB only when
// `tab_too`): such a value is refused where it must be one line, such as
// an address a script gives.
bool has_control(std::string_view s, bool tab_too = true);

// An address as written ("Name <a@b>", "<a@b>", "a@b") with a display name
// that is not ASCII written as encoded-words; the address stays as it is.
std::string encode_mailbox(std::string_view address);

// A message split into its header fields and the rest (the empty line and
// the body), with CRLF line endings.
class HeaderBlock {
 public:
  struct Field {
    std::string name;  // as written, "" for a line that is no field
    std::string text;  // the complete field including its CRLF line ends
  };
  explicit HeaderBlock(std::string_view raw);

  std::vector<Field>& fields() { return fields_; }
  // The unfolded, trimmed value of a field (not RFC 2047 decoded).
  static std::string value_of(const Field& f);
  std::string str() const;

 private:
  std::vector<Field> fields_;
  std::string rest_;
};

}  // namespace zest::mail
