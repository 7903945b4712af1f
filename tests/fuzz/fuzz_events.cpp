// libFuzzer target: the bytes the event code reads from outside — a
// dovecot-uidlist (written by Dovecot or anyone with access to the
// Maildir), a receiver's Retry-After header and a Redis URL — and the
// CloudEvents document built from arbitrary stored data (must stay valid
// JSON). The first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "events/event.hpp"
#include "events/sender.hpp"
#include "store/uidlist.hpp"
#include "transport/redis_client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      if (auto l = zest::store::parse_uidlist(input)) {
        for (const auto& r : l->records)
          if (r.uid >= l->header.next_uid) std::abort();  // next UID stays above every UID
      }
      break;
    case 1:
      (void)zest::events::parse_retry_after(input, 1764316800);
      break;
    case 2:
      (void)zest::transport::parse_redis_url(input);
      break;
    default: {
      zest::events::StreamEvent e{"id", std::string(input), "user", "t", std::string(input), 1};
      const std::string doc = zest::events::cloudevent_json(e, input, {});
      if (nlohmann::json::parse(doc, nullptr, false).is_discarded()) std::abort();
    }
  }
  return 0;
}
