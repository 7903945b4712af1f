// Reading a Dovecot configuration as Dovecot's own parser does: the files
// (dovecot.conf with `!include` / `!include_try`, globs such as
// conf.d/*.conf) or the output of `doveconf -n`, which has the same syntax.
// The result is the flat list of settings, each with its section path and
// the file and line it came from, for `zest migrate-config`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace zest::migrate {

struct Where {
  std::string file;
  int line = 0;
  std::string str() const { return file + ":" + std::to_string(line); }
};

// `service lmtp {` is {"service", "lmtp"}; `passdb {` has no name.
struct Section {
  std::string type, name;
  int id = 0;  // which opening (1, 2, ...): tells two unnamed `passdb {` apart
};

struct Setting {
  std::vector<Section> scope;
  std::string key;
  std::string value;
  bool from_file = false;  // `key = </path`: value is the path
  bool hidden = false;     // doveconf -n printed "# hidden, use -P to show it"
  Where where;
  // "service lmtp/inet_listener lmtp" ("" at the top level).
  std::string scope_text() const;
  // scope_text() + "/" + key, or the key alone.
  std::string name() const;
  // The value as the configuration wrote it ("<" before a file's path).
  std::string shown_value() const;
};

struct DovecotConfig {
  std::string source;  // the file name, or "-" for standard input
  std::vector<Setting> settings;
  // Section openings, in order (a section may hold no settings at all).
  std::vector<std::pair<std::vector<Section>, Where>> sections;
};

struct ReadError {
  enum class Kind { Syntax, Missing } kind;
  std::string message;  // "<file>:<line>: <text>"
};

// `text` named `source`; relative includes are relative to `dir`.
Result<DovecotConfig, ReadError> parse_dovecot_config(std::string_view text,
                                                      const std::string& source,
                                                      const std::string& dir);
Result<DovecotConfig, ReadError> read_dovecot_config(const std::string& path);

}  // namespace zest::migrate
