// SASL for ManageSieve through GNU SASL: PLAIN, SCRAM-SHA-1, SCRAM-SHA-256
// (service "sieve"). Passwords come from a lookup of the stored
// "{SCHEME}hash": PLAIN works with every scheme the passwd-file knows; SCRAM
// needs the password itself ({PLAIN}) or stored SCRAM keys
// ({SCRAM-SHA-256}iter,salt,storedkey,serverkey for SCRAM-SHA-256).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace zest::managesieve {

// The stored password of a user ("{SCHEME}..."), nullopt if unknown.
using CredentialLookup = std::function<std::optional<std::string>(std::string_view user)>;
// The same, where the user database may fail to answer: a failure ends the
// exchange as a temporary one (Step::temporary; the client hears TRYLATER).
using CheckedCredentialLookup =
    std::function<Result<std::optional<std::string>>(std::string_view user)>;

class SaslExchange {
 public:
  struct Step {
    enum class Status { Continue, Success, Failure };
    Status status = Status::Failure;
    std::string data;  // raw bytes: the challenge, or the final server data
    std::string user;  // on success: the authenticated (and authorized) user
    std::string error;
    bool temporary = false;  // failed because the user database did not answer
  };
  virtual ~SaslExchange() = default;
  // The first call carries the initial response (nullopt: none was sent).
  virtual Step step(std::optional<std::string_view> client) = 0;
};

class SaslServer {
 public:
  virtual ~SaslServer() = default;
  // Every mechanism offered, strongest first.
  virtual std::vector<std::string> mechanisms() const = 0;
  // nullptr for an unknown mechanism.
  virtual std::unique_ptr<SaslExchange> start(std::string_view mechanism) = 0;
};

// GNU SASL; the lookup must be thread-safe (exchanges run on worker threads).
// `secret` derives the SCRAM salt of users without stored SCRAM keys
// (store::scram_decoy_salt); keep it across restarts so that the salt
// does too. Empty: a random one for this process.
Result<std::unique_ptr<SaslServer>> make_gsasl_server(CredentialLookup lookup,
                                                      std::string secret = {});
Result<std::unique_ptr<SaslServer>> make_gsasl_server_checked(CheckedCredentialLookup lookup,
                                                              std::string secret = {});

}  // namespace zest::managesieve
