// libFuzzer target: message parse, header walk, address lists of every
// header, RFC 2047 decoding, envelope paths and the MIME tree.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mail/address.hpp"
#include "mail/message.hpp"
#include "mail/rfc2047.hpp"

namespace {

std::size_t walk(const zest::mail::Message& message) {
  std::size_t total = 0;
  for (const auto& part : message.mime_parts())
    total += message.part_body(part).size() + message.part_content(part).size() +
             part.headers.size() + part.children.size();
  return total;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace zest::mail;
  std::string raw(reinterpret_cast<const char*>(data), size);
  const Message message(raw);
  volatile std::size_t sink = message.size() + message.body().size();
  for (const HeaderField& field : message.headers()) {
    sink = sink + message.header_raw(field.name).size();
    for (std::string_view value : message.header_decoded(field.name)) sink = sink + value.size();
    const AddressList list = parse_address_list(field.value);
    for (const MailAddress& address : list.addresses) sink = sink + to_string(address).size();
    if (auto path = parse_envelope_path(field.value)) sink = sink + path->address.domain.size();
    sink = sink + is_valid_addr_spec(field.value);
  }
  sink = sink + decode_rfc2047(message.raw().substr(0, 4096)).size();
  sink = sink + walk(message);
  (void)sink;
  return 0;
}
