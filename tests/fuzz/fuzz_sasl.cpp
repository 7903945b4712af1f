// libFuzzer target: ManageSieve's SASL exchanges as an unauthenticated
// client drives them. The first byte picks the mechanism (PLAIN,
// SCRAM-SHA-1, SCRAM-SHA-256, or a name taken from the input); the rest is
// the client's messages separated by the two bytes FF FE, fed in turn until
// the exchange ends. Users: alice has a {PLAIN} password, bob stored
// SCRAM-SHA-256 keys, everybody else is unknown.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "manage-sieve/sasl.hpp"

namespace {

std::optional<std::string> lookup(std::string_view user) {
  if (user == "alice") return std::string("{PLAIN}secret");
  if (user == "bob")
    return std::string(
        "{SCRAM-SHA-256}4096,c2FsdHNhbHQ=,v9cxy4WCDtc8UMxTg6KXCtlxIku1bUKTGuWEXFC1L54=,"
        "rwGpSn6lR97mSEImO0RA7JCZ4WnpCnnKddTt3G/t6II=");
  return std::nullopt;
}

constexpr std::string_view kSeparator("\xff\xfe", 2);
constexpr int kMaxSteps = 8;  // real exchanges take at most 3

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using zest::managesieve::SaslExchange;
  static auto server = zest::managesieve::make_gsasl_server(lookup);
  if (!server) std::abort();
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string mechanism;
  switch (data[0] % 4) {
    case 0:
      mechanism = "PLAIN";
      break;
    case 1:
      mechanism = "SCRAM-SHA-1";
      break;
    case 2:
      mechanism = "SCRAM-SHA-256";
      break;
    default: {
      const auto end = rest.find(kSeparator);
      mechanism = std::string(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
    }
  }
  auto exchange = (*server)->start(mechanism);
  if (!exchange) return 0;
  // An empty first message means "no initial response", as in AUTHENTICATE
  // without its second argument.
  std::optional<std::string_view> message;
  for (int step = 0; step < kMaxSteps; ++step) {
    const auto end = rest.find(kSeparator);
    const std::string_view part = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
    if (step == 0 && part.empty())
      message.reset();
    else
      message = part;
    const SaslExchange::Step result = exchange->step(message);
    if (result.status == SaslExchange::Step::Status::Success) {
      if (result.user != "alice" && result.user != "bob")
        std::abort();  // nobody else has a password
      break;
    }
    if (result.status == SaslExchange::Step::Status::Failure) break;
    if (end == std::string_view::npos) break;
  }
  return 0;
}
