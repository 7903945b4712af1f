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

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

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

class ScriptCache {
 public:
  ScriptCache(const interp::Registry& registry, const interp::EngineSettings& settings)
      : registry_(registry), settings_(settings) {}

  struct Loaded {
    std::shared_ptr<const interp::Program> program;  // null on error
    std::string error;                               // compile errors, formatted
    bool from_binary = false;
  };
  Loaded get(const std::filesystem::path& script);
  // Pigeonhole's compiled <stem>.svbin beside `script`, the first time it
  // is seen for this script (zest never reads it; callers log that once).
  std::optional<std::filesystem::path> unseen_svbin(const std::filesystem::path& script);

 private:
  // A failed compilation is cached too (program null, error set), so a
  // broken script is not recompiled on every delivery until it changes.
  struct Entry {
    std::string digest;  // of the source the program (or error) is for
    std::shared_ptr<const interp::Program> program;
    std::string error;
  };
  const interp::Registry& registry_;
  const interp::EngineSettings& settings_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
  std::set<std::string, std::less<>> svbin_seen_;
};

}  // namespace zest::store
