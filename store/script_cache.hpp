// Where a user's scripts live (Pigeonhole's layout) and the compiled-script
// cache. Every get() reads the script's source and compares its SHA-256
// with the program it holds: a script replaced by another process or
// another node sharing the home (ManageSieve on node A, delivery on node
// B) is the one run next, even with the same size and mtime. A .svbc beside
// each script (like Pigeonhole's .svbin) carries the digest of the source it
// was compiled from and is reused across restarts and nodes only when that
// digest matches; otherwise (or when load_program says it is stale or
// corrupt) the script is recompiled.
#pragma once

#include <cstdint>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "interp/program.hpp"
#include "interp/registry.hpp"
#include "interp/settings.hpp"

namespace zest::store {

// A user's places: by default <home>/sieve/*.sieve, the active script
// <home>/.dovecot.sieve (a link) and <home>/Maildir; the [users] templates
// (user_paths.hpp) may put the Maildir and the scripts elsewhere.
struct SieveHome {
  SieveHome() = default;
  explicit SieveHome(std::filesystem::path h) : home(std::move(h)) {}
  std::filesystem::path home;
  std::filesystem::path mail_dir;   // "" = <home>/Maildir
  std::filesystem::path sieve_dir;  // "" = <home>/sieve
  std::filesystem::path active;     // "" = <home>/.dovecot.sieve
  std::filesystem::path script_dir() const {
    return sieve_dir.empty() ? home / "sieve" : sieve_dir;
  }
  std::filesystem::path active_link() const {
    return active.empty() ? home / ".dovecot.sieve" : active;
  }
  std::filesystem::path maildir() const { return mail_dir.empty() ? home / "Maildir" : mail_dir; }
  // zest's own small files in the home, next to the mail they are about.
  std::filesystem::path duplicates_file() const { return home / ".zest.duplicates"; }
  std::filesystem::path notify_rate_file() const { return home / ".zest.notify-rate"; }
  std::filesystem::path quota_marker() const { return home / ".zest.quota-exceeded"; }
  // The active script, when the link (or a plain file) exists and resolves.
  std::optional<std::filesystem::path> active_script() const;
};

// SHA-256 of a script's source, in hex: interp::Program::source_digest.
std::string source_digest(std::string_view source);

// A file, or every *.sieve in a directory sorted by name (sieve_before/after).
std::vector<std::filesystem::path> expand_script_paths(const std::filesystem::path& p);

// Compiled programs of the scripts seen lately, bounded in memory: when the
// programs' footprint passes `max_bytes` ([delivery] script_cache_memory),
// the least recently used are dropped (the script's .svbc brings one back
// without compiling). Thread-safe.
class ScriptCache {
 public:
  static constexpr std::size_t kDefaultMaxBytes = std::size_t{128} << 20;
  ScriptCache(const interp::Registry& registry, const interp::EngineSettings& settings,
              std::size_t max_bytes = kDefaultMaxBytes)
      : registry_(registry), settings_(settings), max_bytes_(max_bytes) {}

  // Where a program came from.
  enum class Source { Memory, Binary, Compiled, Failed };
  struct Loaded {
    std::shared_ptr<const interp::Program> program;  // null on error
    std::string error;                               // compile errors, formatted
    bool from_binary = false;
    Source source = Source::Failed;
  };
  Loaded get(const std::filesystem::path& script);
  // Pigeonhole's compiled <stem>.svbin beside `script`, the first time it
  // is seen for this script (zest never reads it; callers log that once).
  std::optional<std::filesystem::path> unseen_svbin(const std::filesystem::path& script);

  // Counts since the start, for metrics and benchmarks.
  struct Stats {
    std::uint64_t hits = 0;       // served from memory
    std::uint64_t binaries = 0;   // loaded from the .svbc
    std::uint64_t compiled = 0;   // compiled (and the .svbc written)
    std::uint64_t failed = 0;     // unreadable or not compiling (cached too)
    std::uint64_t evictions = 0;  // dropped to stay under max_bytes
    std::size_t entries = 0;
    std::size_t bytes = 0;  // the programs' footprint now
  };
  Stats stats() const;
  std::size_t max_bytes() const { return max_bytes_; }

 private:
  // A failed compilation is cached too (program null, error set), so a
  // broken script is not recompiled on every delivery until it changes.
  struct Entry {
    std::string digest;  // of the source the program (or error) is for
    std::shared_ptr<const interp::Program> program;
    std::string error;
    std::size_t bytes = 0;                // what the entry counts against max_bytes
    std::list<std::string>::iterator lru;  // its place in lru_
  };
  // Under mu_: (re)places the entry for `key` at the front, then evicts.
  void put(const std::string& key, Entry e);
  void count(Source s);
  const interp::Registry& registry_;
  const interp::EngineSettings& settings_;
  const std::size_t max_bytes_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // most recently used first
  Stats stats_;
  std::set<std::string, std::less<>> svbin_seen_;
};

}  // namespace zest::store
