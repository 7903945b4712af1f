// [state] backend: where the Sieve state of a user lives — duplicate ids
// (duplicate test, vacation, redirect) and the notify rate counts. "local"
// keeps them in files in the user's home; "redis" in a Redis or Valkey
// server every node shares (delivery/redis_state.hpp, docs/scale-out.md).
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "delivery/notify_rate.hpp"
#include "store/duplicate_store.hpp"
#include "store/script_cache.hpp"

namespace zest::delivery {

// One delivery's state of one user. The two may share a connection, so
// they are used from the delivery's thread only.
struct UserState {
  std::shared_ptr<store::DuplicateStore> duplicates;
  std::unique_ptr<UserRateLimiter> notify_rate;
};

class StateBackend {
 public:
  virtual ~StateBackend() = default;
  // Thread-safe. `notify_per_hour`: [notify] max_per_user_hour (0 = no limit).
  virtual UserState open(std::string_view user, const store::SieveHome& home,
                         std::size_t notify_per_hour) = 0;
};

// The files in the home (.zest.duplicates, .zest.notify-rate).
class LocalState final : public StateBackend {
 public:
  UserState open(std::string_view user, const store::SieveHome& home,
                 std::size_t notify_per_hour) override;
};

}  // namespace zest::delivery
