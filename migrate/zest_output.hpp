// The zest configuration migrate-config builds: keys with the Dovecot
// settings they came from, and a comment for each setting that has no
// zest key (with the reason), rendered as one TOML file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/dovecot_conf.hpp"

namespace zest::migrate {

std::string toml_string(std::string_view s);
std::string toml_list(const std::vector<std::string>& items);
std::string toml_int(std::int64_t n);
std::string toml_bool(bool b);

class ZestOutput {
 public:
  // [table] key = toml_value ("" table: the top level), from the settings in
  // `from`. A key this zest does not accept is not printed: each of `from`
  // becomes an unmapped comment instead. A key set twice keeps the last value.
  void set(std::string_view table, std::string_view key, std::string toml_value,
           const std::vector<const Setting*>& from, std::string note = "");
  // `s` has no zest equivalent, because `why`.
  void unmapped(const Setting& s, std::string_view why);
  // `s` needs no key: zest's default behaves the same (`why` says how).
  void same(const Setting& s, std::string_view why);
  // A remark at the top of the output (a default that differs, a choice made).
  void remark(std::string text);
  bool has(std::string_view table, std::string_view key) const;
  std::string render(std::string_view source) const;

 private:
  struct Entry {
    std::string table, key, value, note;
    std::vector<std::string> from;
  };
  std::vector<Entry> entries_;
  std::vector<std::string> unmapped_, same_, remarks_;
};

// "<name> = <value> (<file>:<line>)" on one line, for comments.
std::string describe(const Setting& s);

}  // namespace zest::migrate
