#include "delivery/state_backend.hpp"

namespace zest::delivery {

UserState LocalState::open(std::string_view, const store::SieveHome& home,
                           std::size_t notify_per_hour) {
  UserState s;
  s.duplicates = std::make_shared<store::FileDuplicateStore>(home.duplicates_file());
  s.notify_rate = std::make_unique<FileRateLimiter>(home.notify_rate_file(), notify_per_hour);
  return s;
}

}  // namespace zest::delivery
