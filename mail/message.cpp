#include "mail/message.hpp"

#include <mutex>
#include <optional>
#include <unordered_map>

#include "base/text.hpp"
#include "mail/header_codec.hpp"
#include "mail/mime_build.hpp"
#include "mail/rfc2047.hpp"

namespace zest::mail {

namespace {
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
}  // namespace

struct Message::Lazy {
  std::mutex decoded_mutex;
  std::vector<std::optional<std::string>> decoded;  // per field; never resized after ctor
  std::once_flag mime_once;
  std::vector<MimePart> mime;  // pre-order; filled once, never resized after
  std::mutex content_mutex;
  // Per part, decoded on demand: nullopt until then, a null pointer when
  // the content is the part's body in raw_ as it is (no copy).
  std::vector<std::optional<std::unique_ptr<const std::string>>> content;
  std::mutex addresses_mutex;
  std::unordered_map<std::string, AddressList, StringHash, std::equal_to<>>
      addresses;  // node-based: entries stay put
};

void trim_field_value(std::string& value) {
  constexpr std::string_view kSpace = " \t\r\n";  // as base::trim(value, kSpace)
  const std::size_t first = value.find_first_not_of(kSpace);
  if (first == std::string::npos) return value.clear();
  value.erase(value.find_last_not_of(kSpace) + 1);
  value.erase(0, first);
}

Message::Message(std::string raw) : raw_(std::move(raw)), lazy_(std::make_unique<Lazy>()) {
  const std::string_view all = raw_;
  std::size_t pos = 0;
  body_offset_ = all.size();
  bool have_field = false;
  // Most messages have fewer fields than this: no reallocation while
  // the index grows (a third of building it for short scripts).
  headers_.reserve(32);

  // The value is unfolded straight into the field and trimmed there: no
  // second copy per field.
  auto finish_field = [&] {
    if (!have_field) return;
    trim_field_value(headers_.back().value);
    have_field = false;
  };

  while (pos < all.size()) {
    std::size_t eol = all.find('\n', pos);
    const std::size_t next = eol == std::string_view::npos ? all.size() : eol + 1;
    std::string_view line =
        all.substr(pos, (eol == std::string_view::npos ? all.size() : eol) - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    if (line.empty()) {  // the blank line separating header and body
      finish_field();
      body_offset_ = next;
      break;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (!have_field) {  // continuation without a field: not a header section
        body_offset_ = pos;
        break;
      }
      headers_.back().value.append(line);  // unfolding removes only the line break
      pos = next;
      continue;
    }
    const std::size_t colon = line.find(':');
    // Obsolete syntax allows WSP before the colon, which we drop (the line
    // does not start with WSP: that is a continuation, handled above).
    std::string_view name = colon == std::string_view::npos
                                ? std::string_view{}
                                : base::trim(line.substr(0, colon), " \t");
    if (!valid_field_name(name)) {
      // Like GMime/Pigeonhole: a non-header line starts the body.
      finish_field();
      body_offset_ = pos;
      break;
    }
    finish_field();
    headers_.push_back(HeaderField{std::string(name), std::string(line.substr(colon + 1))});
    have_field = true;
    pos = next;
  }
  finish_field();
  lazy_->decoded.resize(headers_.size());
}

Message::~Message() = default;
Message::Message(Message&&) noexcept = default;
Message& Message::operator=(Message&&) noexcept = default;

std::vector<std::string_view> Message::header_raw(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const HeaderField& field : headers_) {
    if (base::iequals(field.name, name)) out.emplace_back(field.value);
  }
  return out;
}

std::vector<std::string_view> Message::header_decoded(std::string_view name) const {
  std::vector<std::string_view> out;
  std::lock_guard lock(lazy_->decoded_mutex);
  for (std::size_t i = 0; i < headers_.size(); ++i) {
    if (!base::iequals(headers_[i].name, name)) continue;
    std::optional<std::string>& cached = lazy_->decoded[i];
    if (!cached) cached = decode_rfc2047(headers_[i].value);
    // The string is never modified again, so the view stays valid.
    out.emplace_back(*cached);
  }
  return out;
}

bool Message::has_header(std::string_view name) const {
  for (const HeaderField& field : headers_) {
    if (base::iequals(field.name, name)) return true;
  }
  return false;
}

const AddressList& Message::addresses(std::string_view value) const {
  std::lock_guard lock(lazy_->addresses_mutex);
  auto it = lazy_->addresses.find(value);
  if (it == lazy_->addresses.end())
    it = lazy_->addresses.emplace(std::string(value), parse_address_list(value)).first;
  return it->second;
}

std::string_view Message::body() const {
  return std::string_view(raw_).substr(std::min(body_offset_, raw_.size()));
}

const std::vector<MimePart>& Message::mime_parts() const {
  std::call_once(lazy_->mime_once, [this] {
    lazy_->mime = build_mime_parts(raw_, headers_, std::min(body_offset_, raw_.size()));
    lazy_->content.resize(lazy_->mime.size());
  });
  return lazy_->mime;
}

const MimePart& Message::mime_root() const {
  return mime_parts().front();
}

std::string_view Message::part_body(const MimePart& part) const {
  return part_body_of(raw_, part);
}

std::string_view Message::part_content(const MimePart& part) const {
  const std::vector<MimePart>& parts = mime_parts();
  if (part.index >= parts.size() || &parts[part.index] != &part) return {};
  std::lock_guard lock(lazy_->content_mutex);
  auto& slot = lazy_->content[part.index];
  // Decoded once; the string is never modified again, so the view stays valid.
  if (!slot) {
    std::optional<std::string> decoded = decode_part_content(raw_, part);
    slot = decoded ? std::make_unique<const std::string>(std::move(*decoded)) : nullptr;
  }
  return *slot ? std::string_view(**slot) : part_body_of(raw_, part);
}

std::string Message::first_header_raw(std::string_view name) const {
  const auto v = header_raw(name);
  return v.empty() ? std::string() : std::string(v.front());
}

}  // namespace zest::mail
