// Read-only view of an RFC 5322 message: a fast header index and a lazily
// parsed MIME structure of offsets into the one raw buffer, with part
// contents decoded on demand. Knows nothing of Sieve.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "mail/address.hpp"

namespace zest::mail {

struct HeaderField {
  std::string name;   // as written in the message
  std::string value;  // unfolded, trimmed, raw (not RFC 2047 decoded)
};

// One entity of the MIME structure. Parts are kept in one flat list per
// message, in pre-order (the root first, every part before its children),
// so the parts below a part are the contiguous range (index, end). A part
// refers to its bytes by offsets into Message::raw(); nothing is copied
// per nesting level, and decoded content is produced on demand
// (Message::part_content).
struct MimePart {
  std::string content_type = "text/plain";                 // "type/subtype", lower-case
  std::map<std::string, std::string> content_type_params;  // lower-case names, RFC 2231 decoded
  std::string content_disposition;                         // lower-case, "" when absent
  std::map<std::string, std::string> disposition_params;
  std::vector<HeaderField> headers;   // this part's own headers
  std::size_t body_begin = 0;         // the body in Message::raw() (still transfer-encoded):
  std::size_t body_end = 0;           //   [body_begin, body_end)
  std::size_t index = 0;              // position in Message::mime_parts()
  std::size_t end = 0;                // one past the last part below this one
  std::vector<std::size_t> children;  // direct children (multipart parts, or the
                                      // message of a message/rfc822 part)
  int depth = 0;                      // 0 for the message itself
  bool is_multipart = false;
  // Not split into parts because it lies beyond the nesting depth or the
  // part count limit (kMaxMimeDepth, kMaxMimeParts): its body is taken as
  // plain text.
  bool opaque = false;
};

// Limits of the MIME structure (docs/security.md): a multipart or
// message/rfc822 part at this depth is not split, and a message has at most
// this many parts; what lies beyond is one opaque text part.
inline constexpr int kMaxMimeDepth = 64;
inline constexpr std::size_t kMaxMimeParts = 10'000;

class Message {
 public:
  explicit Message(std::string raw);  // never throws on bad input; CRLF or bare LF
  ~Message();
  Message(Message&&) noexcept;
  Message& operator=(Message&&) noexcept;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  std::string_view raw() const { return raw_; }
  std::size_t size() const { return raw_.size(); }
  const std::vector<HeaderField>& headers() const { return headers_; }

  // All fields named `name` (ASCII case-insensitive), in message order.
  std::vector<std::string_view> header_raw(std::string_view name) const;
  // The first of them as written, "" when there is none.
  std::string first_header_raw(std::string_view name) const;
  // Same, with RFC 2047 encoded-words decoded to UTF-8 (cached per field).
  std::vector<std::string_view> header_decoded(std::string_view name) const;
  bool has_header(std::string_view name) const;
  // parse_address_list(value), parsed once per distinct value for the
  // message's lifetime (a script asks for From many times).
  const AddressList& addresses(std::string_view value) const;

  std::string_view body() const;  // bytes after the blank line ("" when none)

  // The MIME structure, parsed on first call (offsets only: no copies of
  // bodies). mime_parts()[0] is mime_root().
  const MimePart& mime_root() const;
  const std::vector<MimePart>& mime_parts() const;
  const MimePart& mime_child(const MimePart& part, std::size_t i) const {
    return mime_parts()[part.children[i]];
  }
  // The body of a part as in the message (still transfer-encoded).
  std::string_view part_body(const MimePart& part) const;
  // The content of a leaf part: transfer-decoded, and for text/* converted
  // from its charset to UTF-8; an opaque part's body as UTF-8 text; "" for
  // multiparts and message/rfc822 parts. Decoded on first use and kept
  // for the message's lifetime (later tests of a run reuse it); content
  // that decoding would not change (identity-encoded valid UTF-8 text, an
  // identity-encoded attachment) is a view of raw() itself, not a copy.
  std::string_view part_content(const MimePart& part) const;

 private:
  struct Lazy;  // caches filled on demand under a mutex (const-safe)

  std::string raw_;
  std::vector<HeaderField> headers_;
  std::size_t body_offset_ = 0;
  std::unique_ptr<Lazy> lazy_;
};

}  // namespace zest::mail
