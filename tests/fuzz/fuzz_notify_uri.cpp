// Fuzz target: the notification URI parsers (mailto, xmpp, https) and the
// mailto message builder on whatever they accept.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/percent.hpp"
#include "methods/http.hpp"
#include "methods/mailto.hpp"
#include "methods/xmpp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  using namespace zest::methods;
  for (const char* prefix : {"mailto:", "xmpp:", "https://"}) {
    const std::string uri = std::string(prefix) + std::string(in);
    if (auto m = parse_mailto(uri)) {
      Trigger t;
      t.envelope_from = "a@example.org";
      t.envelope_to = "b@example.org";
      NotifyRequest req{uri, std::string(in), 2, {}, {}};
      (void)build_mailto(*m, req, t, Policy{}, {});
    }
    (void)parse_xmpp(uri);
    (void)parse_http(uri, true);
  }
  (void)encode_url(in, size / 2);
  (void)zest::base::percent_decode(in);
  return 0;
}
