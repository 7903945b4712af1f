#include "methods/http.hpp"
#include "methods/mailto.hpp"
#include "methods/method.hpp"
#include "methods/xmpp.hpp"

namespace zest::methods {

MethodRegistry standard_methods(const Policy& policy) {
  MethodRegistry r;
  r.add(make_mailto_method());
  r.add(make_xmpp_method());
  r.add(make_http_method(policy.allow_http));
  if (policy.allow_http) r.add(make_plain_http_method());
  return r;
}

}  // namespace zest::methods
