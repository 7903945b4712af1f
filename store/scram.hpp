// SCRAM-SHA-256 credentials (RFC 5802 §3, RFC 7677) as Dovecot's
// passwd-file stores them: "{SCRAM-SHA-256}<iterations>,<base64 salt>,
// <base64 StoredKey>,<base64 ServerKey>". They let SCRAM work without the
// plaintext password, and still verify a PLAIN login.
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace zest::store {

inline constexpr unsigned kScramIterations = 4096;  // Dovecot's default

// The part after "{SCRAM-SHA-256}" for `password` with a fresh random salt.
Result<std::string> scram_sha256_credentials(std::string_view password,
                                             unsigned iterations = kScramIterations);
// The same with a given salt (for test vectors).
std::string scram_sha256_credentials(std::string_view password, std::string_view salt,
                                     unsigned iterations);
// The salt (base64, the length of a real one) shown to a SCRAM client for
// a user without stored SCRAM keys, unknown users included: derived from a
// server secret, so it stays the same across attempts and cannot tell
// such users apart from users with keys (issue 15.4).
std::string scram_decoy_salt(std::string_view secret, std::string_view mechanism,
                             std::string_view user);
// A fresh random server secret for scram_decoy_salt (32 octets).
Result<std::string> random_secret();

// Whether `password` derives the StoredKey of `credentials` (the part after
// the scheme). Malformed credentials never match.
bool scram_sha256_matches(std::string_view credentials, std::string_view password);

}  // namespace zest::store
