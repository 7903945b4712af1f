// Writing header fields (RFC 5322 §2.2 folding, RFC 2047 encoded-words)
// and editing the header of a raw message, for editheader and for the
// messages the executor generates (vacation replies, reports).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace zest::mail {

// `s` with every line ending (LF, CR or CRLF) written as CRLF.
std::string to_crlf(std::string_view s);

// A complete header field "Name: value\r\n": line breaks in the value become
// folding whitespace, long ASCII lines are folded at spaces, and a value
// that is not ASCII is written as UTF-8 B encoded-words.
std::string header_field(std::string_view name, std::string_view value);

// RFC 2047 encoded-words for `text` (one per chunk, joined by folding
// whitespace); `text` unchanged when it is printable ASCII.
std::string encode_words(std::string_view text);

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
