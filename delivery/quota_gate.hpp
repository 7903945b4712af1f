// [quota] storage: the gate a message passes before any script runs. A
// message that would take the user's Maildir over the limit is refused
// temporarily (452 4.2.2); a marker file in the home remembers the refusal,
// so the first message that fits again is announced too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "delivery/delivery_observer.hpp"
#include "delivery/outcome.hpp"
#include "store/script_cache.hpp"

namespace zest::delivery {

struct QuotaGate {
  std::uint64_t limit = 0;  // octets, 0 = no limit
  DeliveryObserver* observer = nullptr;

  // nullopt: the message may be delivered. Otherwise the answer; `detail`
  // then says why for the log. `message` is the copy to store (LF ends).
  std::optional<Outcome> check(const store::SieveHome& home, std::string_view user,
                               std::string_view message, std::string& detail) const;
};

}  // namespace zest::delivery
