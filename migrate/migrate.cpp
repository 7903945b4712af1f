#include "migrate/migrate.hpp"

#include "migrate/mapper.hpp"
#include "migrate/zest_output.hpp"

namespace zest::migrate {

std::string migrate_config(const DovecotConfig& conf) {
  ZestOutput out;
  Mapper m(conf, out);
  for (const Setting* s : m.effective())
    if (s->key == "dovecot_config_version") {
      out.remark("this is a Dovecot 2.4 configuration (" + s->where.str() +
                 "); migrate-config knows the 2.3 setting names, so more is left unmapped");
      break;
    }
  map_general(m);
  map_listeners(m);
  map_auth(m);
  map_sieve(m);
  explain_rest(m);
  return out.render(conf.source);
}

}  // namespace zest::migrate
