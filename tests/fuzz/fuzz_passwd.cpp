// libFuzzer target: the Dovecot-format passwd-file parser, the line
// formatter (every parsed entry must survive a format/parse round trip)
// and recipient_keys() on each user name. Password verification is left
// out: a hash with a huge cost factor is slow by design, not a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "store/passwd.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace zest::store;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_passwd(input, "fuzz");
  if (!parsed) return 0;
  std::size_t sink = 0;
  for (const UserEntry& user : parsed.value()) {
    const std::string line = format_passwd_line(user);
    // A trailing CR would be taken for a CRLF line end on re-reading.
    if (line.empty() || line.back() != '\r') {
      auto again = parse_passwd(line, "fuzz");
      if (!again || again->size() != 1) std::abort();
      const UserEntry& u = again->front();
      if (u.name != user.name || u.password != user.password || u.uid != user.uid ||
          u.gid != user.gid || u.gecos != user.gecos || u.home != user.home ||
          u.shell != user.shell || u.extra != user.extra)
        std::abort();
    }
    for (const std::string& key : recipient_keys(user.name, "+-")) sink += key.size();
  }
  volatile std::size_t keep = sink;
  (void)keep;
  return 0;
}
