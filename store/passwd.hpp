// Users from a passwd-file in Dovecot's format
//   user:{SCHEME}hash:uid:gid:gecos:home:shell:extra_fields
// and password hashing/verification (SHA512-CRYPT, BLF-CRYPT/BCRYPT,
// ARGON2ID, CRYPT, PLAIN).
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"

namespace zest::store {

struct UserEntry {
  std::string name;
  std::string password;  // "{SCHEME}hash" (no scheme means CRYPT)
  std::string uid, gid, gecos, home, shell, extra;
};

// Parses the whole file; an error names the line. Blank lines and lines
// starting with '#' are skipped.
Result<std::vector<UserEntry>> parse_passwd(std::string_view text, std::string_view source_name);
std::string format_passwd_line(const UserEntry& user);
// The user's home: the passwd field, or <data_dir>/home/<name> when it is empty.
std::filesystem::path home_of(const UserEntry& user, const std::filesystem::path& data_dir);

// Checks `password` against a stored "{SCHEME}hash"; unknown schemes fail.
bool verify_password(std::string_view stored, std::string_view password);
// Hashes with a fresh random salt; returns "{SCHEME}hash".
Result<std::string> hash_password(std::string_view scheme, std::string_view password);
std::vector<std::string> supported_schemes();

// The keys tried for a recipient address, in order: the address without
// its +detail, then its local part (RFC 5233-style subaddress).
std::vector<std::string> recipient_keys(std::string_view address, std::string_view delimiters);

// The key a user name is looked up under (ASCII case folded): UserDb::find
// and everything that counts per user (failed logins) use this one rule.
std::string user_key(std::string_view name);

// A passwd-file, re-read when it changes on disk. Thread-safe.
class UserDb {
 public:
  explicit UserDb(std::filesystem::path file) : file_(std::move(file)) {}

  // nullopt: no such user; error: the file cannot be read or parsed.
  Result<std::optional<UserEntry>> find(std::string_view name);
  // Recipient lookup: recipient_keys() in order.
  Result<std::optional<UserEntry>> find_recipient(std::string_view address,
                                                  std::string_view delimiters);
  Result<std::vector<UserEntry>> all();

  // Rewrites the file atomically (tmp, fsync, rename) with `users`.
  Result<bool> save(const std::vector<UserEntry>& users);
  const std::filesystem::path& path() const { return file_; }

 private:
  Result<bool> refresh();  // with mu_ held
  std::filesystem::path file_;
  std::mutex mu_;
  std::vector<UserEntry> users_;
  // user_key() of each name to its entry: a lookup does not scan
  // (10 000 users made every delivery scan and lower-case the whole file).
  std::unordered_map<std::string, std::size_t> by_key_;
  // What the file was when read: reread when any of them changes (a
  // rewrite by `zest user` renames a new file into place).
  struct Version {
    std::uint64_t dev = 0, ino = 0;
    std::int64_t mtime_sec = 0, mtime_nsec = 0, size = 0;
    bool operator==(const Version&) const = default;
  } version_;
  bool loaded_ = false;
};

}  // namespace zest::store
