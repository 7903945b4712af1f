#include "transport/webhook_signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <span>

#include "base/base64.hpp"

namespace zest::transport {

std::optional<std::string> webhook_key(std::string_view secret) {
  if (secret.starts_with("whsec_")) secret.remove_prefix(6);
  if (secret.empty()) return std::nullopt;
  return base::base64_decode(secret);
}

std::string webhook_signature(std::string_view key, std::string_view id, std::int64_t timestamp,
                              std::string_view body) {
  std::string content;
  content.reserve(id.size() + body.size() + 24);
  content.append(id);
  content += '.';
  content += std::to_string(timestamp);
  content += '.';
  content.append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac, &len);
  return "v1," + base::base64_encode(std::span<const unsigned char>(mac, len));
}

}  // namespace zest::transport
