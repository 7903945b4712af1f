#include "store/scram.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sys/random.h>

#include <array>
#include <charconv>
#include <optional>
#include <vector>

#include "base/base64.hpp"

namespace zest::store {
namespace {

using Digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

// A salt or key of the credentials: non-empty, strict base64.
std::optional<std::string> decode_field(std::string_view s) {
  if (s.empty()) return std::nullopt;
  return base::base64_decode(s);
}

Digest hmac(const Digest& key, std::string_view text) {
  Digest out{};
  unsigned len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data(), &len);
  return out;
}

// SaltedPassword, then StoredKey = H(HMAC(SaltedPassword, "Client Key")) and
// ServerKey = HMAC(SaltedPassword, "Server Key").
struct Keys {
  Digest stored, server;
};
Keys derive(std::string_view password, std::string_view salt, unsigned iterations) {
  Digest salted{};
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                    static_cast<int>(salted.size()), salted.data());
  const Digest client = hmac(salted, "Client Key");
  Keys k{};
  SHA256(client.data(), client.size(), k.stored.data());
  k.server = hmac(salted, "Server Key");
  return k;
}

}  // namespace

std::string scram_sha256_credentials(std::string_view password, std::string_view salt,
                                     unsigned iterations) {
  const Keys k = derive(password, salt, iterations);
  return std::to_string(iterations) + "," + base::base64_encode(salt) + "," +
         base::base64_encode(k.stored) + "," + base::base64_encode(k.server);
}

Result<std::string> scram_sha256_credentials(std::string_view password, unsigned iterations) {
  std::array<char, 16> salt{};
  if (getrandom(salt.data(), salt.size(), 0) != static_cast<ssize_t>(salt.size()))
    return Result<std::string>::failure("getrandom failed");
  return scram_sha256_credentials(password, std::string_view(salt.data(), salt.size()), iterations);
}

std::string scram_decoy_salt(std::string_view secret, std::string_view mechanism,
                             std::string_view user) {
  const std::string text =
      "zest-scram-salt\x1f" + std::string(mechanism) + "\x1f" + std::string(user);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), out, &len);
  // 16 octets, as scram_sha256_credentials makes them.
  return base::base64_encode(std::string_view(reinterpret_cast<const char*>(out), 16));
}

Result<std::string> random_secret() {
  std::array<char, 32> s{};
  if (getrandom(s.data(), s.size(), 0) != static_cast<ssize_t>(s.size()))
    return Result<std::string>::failure("getrandom failed");
  return std::string(s.data(), s.size());
}

bool scram_sha256_matches(std::string_view credentials, std::string_view password) {
  std::vector<std::string_view> parts;
  for (std::string_view rest = credentials;;) {
    const auto comma = rest.find(',');
    parts.push_back(rest.substr(0, comma));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (parts.size() != 4) return false;
  unsigned iterations = 0;
  const auto [end, ec] =
      std::from_chars(parts[0].data(), parts[0].data() + parts[0].size(), iterations);
  if (ec != std::errc() || end != parts[0].data() + parts[0].size() || iterations == 0 ||
      iterations > 1'000'000)
    return false;
  const auto salt = decode_field(parts[1]);
  const auto stored = decode_field(parts[2]);
  if (!salt || !stored || stored->size() != SHA256_DIGEST_LENGTH) return false;
  const Keys k = derive(password, *salt, iterations);
  return CRYPTO_memcmp(k.stored.data(), stored->data(), k.stored.size()) == 0;
}

}  // namespace zest::store
