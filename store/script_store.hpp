// A user's Sieve scripts as ManageSieve (RFC 5804) and delivery see them:
// <home>/sieve/<escaped name>.sieve, the compiled binary <escaped>.svbc beside
// it (the one ScriptCache reuses), and the active script as the symlink
// <home>/.dovecot.sieve -> sieve/<escaped>.sieve (Pigeonhole's layout).
// Writes are atomic (tmp + fsync + rename): a concurrent reader sees the
// old or the new script, never a torn one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "store/script_cache.hpp"

namespace zest::store {

// Each maps 1:1 to a ManageSieve response code.
enum class ScriptErrorCode {
  NonExistent,      // NONEXISTENT
  AlreadyExists,    // ALREADYEXISTS
  Active,           // ACTIVE
  QuotaMaxScripts,  // QUOTA/MAXSCRIPTS
  QuotaMaxSize,     // QUOTA/MAXSIZE
  Quota,            // QUOTA (total size)
  BadName,          // no code: the name is not valid
  TryLater,         // TRYLATER: I/O failure
};
// The ManageSieve response code of `code` ("" for BadName): one table for
// ManageSieve's NO responses and the admin CLI's --json output.
std::string_view response_code(ScriptErrorCode code);

struct ScriptError {
  ScriptErrorCode code;
  std::string message;
};
template <class T>
using ScriptResult = Result<T, ScriptError>;

struct ScriptQuota {
  std::uint64_t max_scripts = 0;      // 0 = unlimited
  std::uint64_t max_script_size = 0;  // octets; 0 = unlimited
  std::uint64_t max_total = 0;        // octets over all scripts; 0 = unlimited
};

struct ScriptInfo {
  std::string name;
  bool active = false;
};

class ScriptStore {
 public:
  virtual ~ScriptStore() = default;
  virtual ScriptResult<std::vector<ScriptInfo>> list() = 0;
  virtual ScriptResult<std::string> get(std::string_view name) = 0;
  // Replaces or creates `name`; `compiled` (may be empty) is written beside it.
  virtual ScriptResult<bool> put(std::string_view name, std::string_view source,
                                 std::span<const std::uint8_t> compiled) = 0;
  virtual ScriptResult<bool> rename(std::string_view from, std::string_view to) = 0;
  virtual ScriptResult<bool> remove(std::string_view name) = 0;
  // "" deactivates (fine when nothing is active).
  virtual ScriptResult<bool> set_active(std::string_view name) = 0;
  virtual ScriptResult<std::optional<std::string>> active() = 0;
  // Would a put of `size` octets under `name` fit the quotas?
  virtual ScriptResult<bool> have_space(std::string_view name, std::uint64_t size) = 0;
};

// Script names map to file names by %-escaping every octet outside
// [A-Za-z0-9_-], '.' except in the middle, and '%' ("main" -> "main").
std::string script_file_stem(std::string_view name);
// The inverse; nullopt for stems that no name maps to (foreign files).
std::optional<std::string> script_name_from_stem(std::string_view stem);

class FsScriptStore final : public ScriptStore {
 public:
  FsScriptStore(SieveHome home, ScriptQuota quota) : home_(std::move(home)), quota_(quota) {}
  ScriptResult<std::vector<ScriptInfo>> list() override;
  ScriptResult<std::string> get(std::string_view name) override;
  ScriptResult<bool> put(std::string_view name, std::string_view source,
                         std::span<const std::uint8_t> compiled) override;
  ScriptResult<bool> rename(std::string_view from, std::string_view to) override;
  ScriptResult<bool> remove(std::string_view name) override;
  ScriptResult<bool> set_active(std::string_view name) override;
  ScriptResult<std::optional<std::string>> active() override;
  ScriptResult<bool> have_space(std::string_view name, std::uint64_t size) override;

  std::filesystem::path script_path(std::string_view name) const;

 private:
  struct Entry {
    std::string name;
    std::uint64_t size = 0;
  };
  ScriptResult<std::vector<Entry>> entries() const;
  ScriptResult<bool> ensure_dir() const;
  SieveHome home_;
  ScriptQuota quota_;
};

}  // namespace zest::store
