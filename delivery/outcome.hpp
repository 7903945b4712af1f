// What a delivery answers: the reply of LMTP, the exit code of the LDA.
#pragma once

#include <string>
#include <string_view>

namespace zest::delivery {

struct Outcome {
  enum class Kind { Delivered, Rejected, UnknownUser, TempFail, PermFail };
  Kind kind = Kind::Delivered;
  int code = 250;
  std::string enhanced = "2.0.0";
  std::string text;  // may have several lines (a multi-line reject reason)
};

// "delivered", "rejected", "unknown_user", "tempfail", "permfail": the
// `outcome` of the delivery log line and the result label of the metrics.
std::string_view outcome_name(Outcome::Kind kind);

// The sysexits code the LDA exits with for an outcome.
int exit_code(Outcome::Kind kind);

}  // namespace zest::delivery
