#include "mail/message_builder.hpp"

#include <cstdio>
#include <ctime>
#include <random>

#include "base/date.hpp"

namespace zest::mail {
MessageBuilder& MessageBuilder::text(FieldName name, std::string_view value) {
  header_ += header_field(name.str(), value);
  return *this;
}

MessageBuilder& MessageBuilder::field(FieldName name, std::string_view value) {
  header_ += structured_field(name.str(), value);
  return *this;
}

MessageBuilder& MessageBuilder::mailbox(FieldName name, std::string_view address) {
  return field(name, encode_mailbox(address));
}

MessageBuilder& MessageBuilder::mailboxes(FieldName name, std::span<const std::string> addresses) {
  std::string value;
  for (const std::string& a : addresses) {
    if (!value.empty()) value += ",\r\n ";
    value += encode_mailbox(a);
  }
  return field(name, value);
}

MessageBuilder& MessageBuilder::date(std::int64_t unix_seconds) {
  return field("Date", base::rfc5322_date(unix_seconds));
}

MessageBuilder& MessageBuilder::message_id(std::string_view domain) {
  std::random_device rd;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%08x%08x.%lld", rd(), rd(),
                static_cast<long long>(std::time(nullptr)));
  return field("Message-ID", "<zest." + std::string(buf) + "@" + std::string(domain) + ">");
}

MessageBuilder& MessageBuilder::utf8_text_content() {
  return field("Content-Type", "text/plain; charset=utf-8")
      .field("Content-Transfer-Encoding", "8bit");
}

std::string MessageBuilder::with_text(std::string_view body) const {
  return with_content(text_lines(body));
}

std::string MessageBuilder::with_content(std::string_view content) const {
  return header_ + "\r\n" + std::string(content);
}

std::string MessageBuilder::with_entity(std::string_view entity) const {
  return header_ + to_crlf(entity);
}

std::string text_lines(std::string_view text) {
  const std::string crlf = to_crlf(text);
  std::string out;
  out.reserve(crlf.size());
  std::size_t col = 0;
  for (const char c : crlf) {
    if (c == '\r' || c == '\n') {
      out += c;
      col = 0;
      continue;
    }
    if (col == kMaxLineLength) {
      out += "\r\n";
      col = 0;
    }
    out += c;
    ++col;
  }
  return out;
}

std::string random_boundary(std::string_view prefix) {
  std::random_device rd;
  return std::string(prefix) + std::to_string(rd()) + std::to_string(rd());
}

std::string multipart_type(std::string_view type, std::string_view boundary) {
  return std::string(type) + ";\r\n\tboundary=\"" + std::string(boundary) + "\"";
}

std::string multipart_body(std::string_view boundary, std::span<const std::string> parts) {
  const std::string delimiter = "\r\n--" + std::string(boundary);
  std::string out = "This is a MIME-encapsulated message\r\n";
  for (const std::string& part : parts) out += delimiter + "\r\n" + part;
  return out + delimiter + "--\r\n";
}

}  // namespace zest::mail
