#include "delivery/outcome.hpp"

namespace zest::delivery {

std::string_view outcome_name(Outcome::Kind kind) {
  switch (kind) {
    case Outcome::Kind::Delivered:
      return "delivered";
    case Outcome::Kind::Rejected:
      return "rejected";
    case Outcome::Kind::UnknownUser:
      return "unknown_user";
    case Outcome::Kind::TempFail:
      return "tempfail";
    case Outcome::Kind::PermFail:
      return "permfail";
  }
  return "tempfail";
}

int exit_code(Outcome::Kind kind) {
  switch (kind) {
    case Outcome::Kind::Delivered:
      return 0;
    case Outcome::Kind::UnknownUser:
      return 67;  // EX_NOUSER
    case Outcome::Kind::TempFail:
      return 75;  // EX_TEMPFAIL
    case Outcome::Kind::Rejected:
      return 77;  // EX_NOPERM: the MTA bounces with our text
    case Outcome::Kind::PermFail:
      return 69;  // EX_UNAVAILABLE
  }
  return 75;
}

}  // namespace zest::delivery
