// The settings of one Dovecot configuration as the mapping steps see them:
// the effective ones (a later value of the same setting replaces an earlier
// one, as in Dovecot), looked up by section and key, each marked once it has
// been mapped or explained, so that the rest can be listed as unmapped.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/dovecot_conf.hpp"
#include "migrate/zest_output.hpp"

namespace zest::migrate {

class Mapper {
 public:
  Mapper(const DovecotConfig& conf, ZestOutput& out);

  // The effective setting `key` in the section `scope` ("" for the top
  // level, "plugin", "service lmtp/inet_listener lmtp"), or nullptr.
  const Setting* get(std::string_view scope, std::string_view key) const;
  // A top-level setting as delivery sees it: `protocol lmtp { }` (or
  // `protocol lda { }`) overrides the top level.
  const Setting* get_delivery(std::string_view key) const;
  // Every effective setting whose section path starts with `scope_prefix`
  // (a whole path element), in order.
  std::vector<const Setting*> under(std::string_view scope_prefix) const;
  // Section openings of this type at the top level (`passdb`, `service`),
  // each with the settings directly inside it (nested ones too).
  struct Block {
    Section section;
    Where where;
    std::vector<const Setting*> settings;
    const Setting* get(std::string_view key) const;  // directly inside
  };
  std::vector<Block> blocks(std::string_view type) const;
  bool has_section(std::string_view scope) const;

  void done(const Setting* s) {
    if (s) done_.insert(s);
  }
  bool is_done(const Setting* s) const { return done_.count(s) != 0; }
  const std::vector<const Setting*>& effective() const { return effective_; }
  const DovecotConfig& conf() const { return conf_; }

  ZestOutput& out;

 private:
  const DovecotConfig& conf_;
  std::vector<const Setting*> effective_;
  std::set<const Setting*> done_;
};

// Section path with unnamed passdb/userdb told apart ("passdb#3").
std::string scope_key(const std::vector<Section>& scope);

// The mapping steps, in the order migrate_config runs them.
void map_general(Mapper& m);
void map_listeners(Mapper& m);
void map_auth(Mapper& m);
void map_sieve(Mapper& m);
// Every setting not handled by a step: an unmapped comment with the reason.
void explain_rest(Mapper& m);

}  // namespace zest::migrate
