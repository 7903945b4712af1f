// Base64 (RFC 4648 §4), through OpenSSL's encoder.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace zest::base {

std::string base64_encode(std::string_view bytes);
std::string base64_encode(std::span<const unsigned char> bytes);

// Strict: the length is a multiple of 4, only the alphabet, '=' only as
// final padding. nullopt otherwise (SASL, credentials, signatures).
std::optional<std::string> base64_decode(std::string_view text);

// Lenient, for content transfer encodings and RFC 2047 words: characters
// outside the alphabet are skipped, decoding stops at the first '='.
std::string base64_decode_lenient(std::string_view text);

}  // namespace zest::base
