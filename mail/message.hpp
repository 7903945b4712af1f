// Read-only view of an RFC 5322 message: a fast header index (no GMime) and a
// lazily built MIME tree (GMime). Knows nothing of Sieve.
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

struct MimePart {
  std::string content_type = "text/plain";                 // "type/subtype", lower-case
  std::map<std::string, std::string> content_type_params;  // lower-case names, RFC 2231 decoded
  std::string content_disposition;                         // lower-case, "" when absent
  std::map<std::string, std::string> disposition_params;
  std::vector<HeaderField> headers;  // this part's own headers
  std::string raw_body;              // as in the message (still transfer-encoded)
  std::string decoded_text;          // text/*: transfer- and charset-decoded UTF-8; else bytes
                                     // ("" for multiparts and message/rfc822: see raw_body)
  std::vector<MimePart> children;    // multipart children, or the message/rfc822 payload
  bool is_multipart = false;
};

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

  // MIME tree, built with GMime on first call.
  const MimePart& mime_root() const;

 private:
  struct Lazy;  // caches filled on demand under a mutex (const-safe)

  std::string raw_;
  std::vector<HeaderField> headers_;
  std::size_t body_offset_ = 0;
  std::unique_ptr<Lazy> lazy_;
};

}  // namespace zest::mail
