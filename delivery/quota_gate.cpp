#include "delivery/quota_gate.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "base/atomic_file.hpp"
#include "store/quota.hpp"

namespace zest::delivery {
namespace fs = std::filesystem;

std::optional<Outcome> QuotaGate::check(const store::SieveHome& home, std::string_view user,
                                        std::string_view message, std::string& detail) const {
  if (limit == 0) return std::nullopt;
  const std::uint64_t used = store::maildir_usage(home.maildir());
  // Counted as stored: with CRLF line ends.
  const auto size =
      message.size() + static_cast<std::size_t>(std::count(message.begin(), message.end(), '\n'));
  const fs::path marker = home.quota_marker();
  std::error_code ec;
  if (used + size > limit) {
    detail = "over quota: " + std::to_string(used) + " + " + std::to_string(size) + " > " +
             std::to_string(limit);
    if (observer)
      if (auto st = observer->on_quota({std::string(user), true, limit, used}); !st)
        detail += "; " + st.error();
    // A marker only; a failed write is noticed again on the next delivery.
    if (base::make_private_dirs(home.home)) (void)base::write_file_atomic(marker, "");
    return Outcome{Outcome::Kind::TempFail, 452, "4.2.2", "Mailbox full"};
  }
  if (fs::exists(marker, ec)) {
    if (observer)
      if (auto st = observer->on_quota({std::string(user), false, limit, used}); !st)
        return Outcome{Outcome::Kind::TempFail, 451, "4.3.0", "Temporary failure recording event"};
    fs::remove(marker, ec);
  }
  return std::nullopt;
}

}  // namespace zest::delivery
