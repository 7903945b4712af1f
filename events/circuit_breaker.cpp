#include "events/circuit_breaker.hpp"

namespace zest::events {

CircuitBreaker::State CircuitBreaker::state(std::int64_t now) const {
  if (!open_) return State::Closed;
  return now >= open_until_ ? State::HalfOpen : State::Open;
}

bool CircuitBreaker::allow(std::int64_t now) {
  switch (state(now)) {
    case State::Closed:
      return true;
    case State::Open:
      return false;
    case State::HalfOpen:
      if (probing_) return false;
      probing_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::success() {
  failures_ = 0;
  open_ = false;
  probing_ = false;
}

void CircuitBreaker::failure(std::int64_t now) {
  ++failures_;
  // A failed probe re-opens at once; when closed, the threshold decides.
  // Attempts that were in flight when it opened report too: they extend
  // nothing beyond a fresh cooldown from their own end.
  if (probing_ || failures_ >= threshold_) {
    open_ = true;
    probing_ = false;
    open_until_ = now + cooldown_;
  }
}

void CircuitBreaker::abandoned() {
  probing_ = false;
}

}  // namespace zest::events
