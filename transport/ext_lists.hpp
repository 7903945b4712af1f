// The external lists of RFC 6134 (the extlists extension) as the hosts look
// them up: each configured list (EngineSettings::ext_lists, from
// [sieve.lists], docs/configuration.md) is read from its source the first
// time a run asks, and kept for the rest of that run:
//   "file:PATH"     a text file, one entry per line (blank lines ignored)
//   "dict:PATH"     a Dovecot flat-file dict as Pigeonhole's extlists reads it:
//                   key lines "priv/sieve/extlists/<entry>", each followed by
//                   a value line
//   "redis:URL#KEY" the members of the Redis set KEY (SISMEMBER / SMEMBERS)
//   ""              an empty list
// Entries compare exactly (octet by octet), as in Pigeonhole.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace zest::transport {

class RedisClient;

// list name -> source (the forms above), as EngineSettings::ext_lists.
using ExtListSources = std::map<std::string, std::string, std::less<>>;

// Checks a source string (the forms above) without opening it.
Status check_ext_list_source(std::string_view source);

class ExtLists {
 public:
  // list name -> source, as EngineSettings::ext_lists.
  explicit ExtLists(ExtListSources sources, long redis_timeout_seconds = 5);
  ~ExtLists();
  ExtLists(const ExtLists&) = delete;
  ExtLists& operator=(const ExtLists&) = delete;

  // Whether `value` is in `list`; a failure when the source cannot be read
  // or the list is not configured.
  Result<bool> contains(std::string_view list, std::string_view value);
  Result<std::vector<std::string>> members(std::string_view list);

 private:
  struct Loaded;
  Result<Loaded*> load(std::string_view list);
  std::map<std::string, std::string, std::less<>> sources_;
  long redis_timeout_;
  std::map<std::string, std::unique_ptr<Loaded>, std::less<>> loaded_;
};

}  // namespace zest::transport
