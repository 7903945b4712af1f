// MIME tree via GMime. Only reached from Message::mime_root(), so header
// access never initialises GMime.
#include <gmime/gmime.h>

#include <memory>

#include "base/text.hpp"
#include "base/utf8.hpp"
#include "mail/mime_build.hpp"
#include "mail/rfc2047.hpp"

namespace zest::mail {
namespace {

struct GObjectUnref {
  void operator()(gpointer p) const {
    if (p != nullptr) g_object_unref(p);
  }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

// g_mime_init() must run once per process; a function-local static makes that
// thread-safe without other global state.
void ensure_gmime() {
  static const bool initialised = [] {
    g_mime_init();
    return true;
  }();
  (void)initialised;
}

// GMime's raw values keep their folding: drop the line breaks (CRLF or LF)
// and the surrounding white space, as Message does for the top level.
std::string unfold_and_trim(std::string_view value) {
  value = base::trim(value, " \t\r\n");
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\r' && i + 1 < value.size() && value[i + 1] == '\n') continue;
    if (c == '\n') continue;
    out.push_back(c);
  }
  return out;
}

// Bounds recursion over pathological nesting.
constexpr int kMaxDepth = 64;

std::string stream_to_string(GMimeStream* stream) {
  std::string out;
  if (stream == nullptr) return out;
  g_mime_stream_reset(stream);
  char buf[8192];
  while (true) {
    const ssize_t n = g_mime_stream_read(stream, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::string mem_stream_contents(GMimeStream* mem) {
  GByteArray* array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
  if (array == nullptr || array->data == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(array->data), array->len);
}

void copy_params(GMimeParamList* list, std::map<std::string, std::string>& out) {
  if (list == nullptr) return;
  const int count = g_mime_param_list_length(list);
  for (int i = 0; i < count; ++i) {
    GMimeParam* param = g_mime_param_list_get_parameter_at(list, i);
    const char* name = param ? g_mime_param_get_name(param) : nullptr;
    const char* value = param ? g_mime_param_get_value(param) : nullptr;
    if (name == nullptr) continue;
    out.emplace(base::to_lower(name), value ? base::replace_invalid_utf8(value) : std::string());
  }
}

void copy_headers(GMimeObject* object, std::vector<HeaderField>& out) {
  GMimeHeaderList* list = g_mime_object_get_header_list(object);
  if (list == nullptr) return;
  const int count = g_mime_header_list_get_count(list);
  for (int i = 0; i < count; ++i) {
    GMimeHeader* header = g_mime_header_list_get_header_at(list, i);
    if (header == nullptr) continue;
    const char* name = g_mime_header_get_name(header);
    const char* value = g_mime_header_get_raw_value(header);
    out.push_back(HeaderField{name ? name : "", value ? unfold_and_trim(value) : std::string()});
  }
}

void fill_content_info(GMimeObject* object, MimePart& part) {
  if (GMimeContentType* type = g_mime_object_get_content_type(object)) {
    const char* media = g_mime_content_type_get_media_type(type);
    const char* sub = g_mime_content_type_get_media_subtype(type);
    if (media != nullptr && sub != nullptr && *media != '\0' && *sub != '\0') {
      part.content_type = base::to_lower(media) + "/" + base::to_lower(sub);
    }
    copy_params(g_mime_content_type_get_parameters(type), part.content_type_params);
  }
  if (GMimeContentDisposition* disp = g_mime_object_get_content_disposition(object)) {
    if (const char* value = g_mime_content_disposition_get_disposition(disp)) {
      part.content_disposition = base::to_lower(value);
    }
    copy_params(g_mime_content_disposition_get_parameters(disp), part.disposition_params);
  }
}

std::string content_bytes(GMimeObject* object) {
  GPtr<GMimeStream> mem(g_mime_stream_mem_new());
  g_mime_object_write_content_to_stream(object, nullptr, mem.get());
  return mem_stream_contents(mem.get());
}

MimePart convert(GMimeObject* object, int depth);

MimePart convert_message(GMimeMessage* message, int depth) {
  MimePart part;
  copy_headers(GMIME_OBJECT(message), part.headers);
  GMimeObject* body = g_mime_message_get_mime_part(message);
  if (body == nullptr) return part;  // headers only: an empty text/plain body
  MimePart inner = convert(body, depth);
  inner.headers = std::move(part.headers);  // the message's own header block
  return inner;
}

MimePart convert(GMimeObject* object, int depth) {
  MimePart part;
  copy_headers(object, part.headers);
  fill_content_info(object, part);
  if (GMIME_IS_MULTIPART(object)) {
    part.is_multipart = true;
    part.raw_body = content_bytes(object);
    if (depth >= kMaxDepth) return part;
    GMimeMultipart* multipart = GMIME_MULTIPART(object);
    const int count = g_mime_multipart_get_count(multipart);
    for (int i = 0; i < count; ++i) {
      if (GMimeObject* child = g_mime_multipart_get_part(multipart, i)) {
        part.children.push_back(convert(child, depth + 1));
      }
    }
  } else if (GMIME_IS_MESSAGE_PART(object)) {
    part.raw_body = content_bytes(object);
    GMimeMessage* message = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
    if (message != nullptr && depth < kMaxDepth) {
      part.children.push_back(convert_message(message, depth + 1));
    }
  } else if (GMIME_IS_PART(object)) {
    GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(object));
    if (content != nullptr) {
      part.raw_body = stream_to_string(g_mime_data_wrapper_get_stream(content));
      GPtr<GMimeStream> mem(g_mime_stream_mem_new());
      g_mime_data_wrapper_write_to_stream(content, mem.get());
      std::string decoded = mem_stream_contents(mem.get());
      if (part.content_type.starts_with("text/")) {
        auto charset = part.content_type_params.find("charset");
        part.decoded_text =
            to_utf8(decoded, charset == part.content_type_params.end() ? "" : charset->second);
      } else {
        part.decoded_text = std::move(decoded);
      }
    }
  }
  return part;
}

MimePart fallback(const std::vector<HeaderField>& headers, std::string_view body) {
  MimePart part;
  part.headers = headers;
  part.raw_body = std::string(body);
  part.decoded_text = base::replace_invalid_utf8(body);
  return part;
}

}  // namespace

MimePart build_mime_tree(std::string_view raw, const std::vector<HeaderField>& headers,
                         std::string_view body) {
  ensure_gmime();
  // The memory stream copies the bytes, so `raw` need not outlive it.
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  if (!stream) return fallback(headers, body);
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  if (!parser) return fallback(headers, body);
  GPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!message || g_mime_message_get_mime_part(message.get()) == nullptr) {
    return fallback(headers, body);
  }
  MimePart root = convert_message(message.get(), 0);
  // Our own header parse is authoritative for the top level (same rules as
  // Message::headers()).
  root.headers = headers;
  return root;
}

}  // namespace zest::mail
