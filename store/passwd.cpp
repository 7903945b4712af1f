#include "store/passwd.hpp"

#include "base/atomic_file.hpp"
#include "base/file.hpp"
#include "base/text.hpp"
#include "store/scram.hpp"

#include <argon2.h>
#include <crypt.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

namespace zest::store {
namespace fs = std::filesystem;
namespace {

std::vector<std::string_view> split_colons(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t c = line.find(':', start);
    out.push_back(line.substr(start, c == std::string_view::npos ? c : c - start));
    if (c == std::string_view::npos) break;
    start = c + 1;
  }
  return out;
}

// Splits "{SCHEME}rest"; no braces means Dovecot's default, CRYPT.
std::pair<std::string, std::string_view> split_scheme(std::string_view stored) {
  if (!stored.empty() && stored.front() == '{') {
    const auto close = stored.find('}');
    if (close != std::string_view::npos)
      return {base::to_lower(stored.substr(1, close - 1)), stored.substr(close + 1)};
  }
  return {"crypt", stored};
}

// Constant-time comparison, so a wrong guess does not reveal how far it got.
bool equal_ct(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool crypt_matches(std::string_view hash, std::string_view password) {
  const std::string h(hash), p(password);
  auto data = std::make_unique<crypt_data>();  // large (~32 KiB): keep it off the stack
  const char* out = crypt_r(p.c_str(), h.c_str(), data.get());
  // libxcrypt returns a string starting with '*' on failure.
  return out != nullptr && out[0] != '*' && equal_ct(out, h);
}

}  // namespace

Result<std::vector<UserEntry>> parse_passwd(std::string_view text, std::string_view source_name) {
  using R = Result<std::vector<UserEntry>>;
  std::vector<UserEntry> users;
  std::size_t lineno = 0, pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const auto f = split_colons(line);
    auto fail = [&](std::string_view why) {
      return R::failure(std::string(source_name) + ":" + std::to_string(lineno) + ": " +
                        std::string(why));
    };
    if (f[0].empty()) return fail("empty user name");
    if (f.size() < 2) return fail("expected user:password[:uid:gid:gecos:home:shell:extra]");
    UserEntry u;
    u.name = std::string(f[0]);
    u.password = std::string(f[1]);
    auto field = [&](std::size_t i) { return i < f.size() ? std::string(f[i]) : std::string(); };
    u.uid = field(2);
    u.gid = field(3);
    u.gecos = field(4);
    u.home = field(5);
    u.shell = field(6);
    // Extra fields may themselves contain ':' (e.g. in values): keep the rest whole.
    if (f.size() > 7) {
      const std::size_t off = static_cast<std::size_t>(f[7].data() - line.data());
      u.extra = std::string(line.substr(off));
    }
    for (const auto& other : users)
      if (base::iequals(other.name, u.name)) return fail("duplicate user '" + u.name + "'");
    users.push_back(std::move(u));
  }
  return users;
}

fs::path home_of(const UserEntry& u, const fs::path& data_dir) {
  return u.home.empty() ? data_dir / "home" / u.name : fs::path(u.home);
}

std::string format_passwd_line(const UserEntry& u) {
  std::string line = u.name + ":" + u.password + ":" + u.uid + ":" + u.gid + ":" + u.gecos + ":" +
                     u.home + ":" + u.shell + ":";
  line += u.extra;
  return line;
}

bool verify_password(std::string_view stored, std::string_view password) {
  const auto [scheme, hash] = split_scheme(stored);
  if (scheme == "plain" || scheme == "cleartext") return equal_ct(hash, password);
  if (scheme == "sha512-crypt" || scheme == "sha256-crypt" || scheme == "blf-crypt" ||
      scheme == "bcrypt" || scheme == "crypt" || scheme == "md5-crypt")
    return crypt_matches(hash, password);
  if (scheme == "argon2id" || scheme == "argon2i") {
    const std::string h(hash);
    const int rc = scheme == "argon2id"
                       ? argon2id_verify(h.c_str(), password.data(), password.size())
                       : argon2i_verify(h.c_str(), password.data(), password.size());
    return rc == ARGON2_OK;
  }
  if (scheme == "scram-sha-256") return scram_sha256_matches(hash, password);
  return false;
}

std::vector<std::string> supported_schemes() {
  return {"SHA512-CRYPT", "BLF-CRYPT", "ARGON2ID", "SCRAM-SHA-256", "PLAIN"};
}

Result<std::string> hash_password(std::string_view scheme_in, std::string_view password) {
  using R = Result<std::string>;
  const std::string scheme = base::to_lower(scheme_in);
  const std::string p(password);
  if (scheme == "plain") return "{PLAIN}" + p;
  if (scheme == "sha512-crypt" || scheme == "blf-crypt" || scheme == "bcrypt") {
    const char* prefix = scheme == "sha512-crypt" ? "$6$" : "$2y$";
    std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> salt{};
    // A null random buffer makes libxcrypt draw the salt from the OS.
    if (!crypt_gensalt_rn(prefix, 0, nullptr, 0, salt.data(), static_cast<int>(salt.size())))
      return R::failure("crypt_gensalt: " + std::string(std::strerror(errno)));
    auto data = std::make_unique<crypt_data>();
    const char* out = crypt_r(p.c_str(), salt.data(), data.get());
    if (!out || out[0] == '*') return R::failure("crypt failed for " + std::string(scheme_in));
    return "{" + std::string(scheme == "sha512-crypt" ? "SHA512-CRYPT" : "BLF-CRYPT") + "}" + out;
  }
  if (scheme == "argon2id") {
    constexpr std::uint32_t t_cost = 3, m_cost = 1 << 16,
                            lanes = 1;  // 64 MiB, like libsodium's moderate
    std::array<unsigned char, 16> salt{};
    if (getrandom(salt.data(), salt.size(), 0) != static_cast<ssize_t>(salt.size()))
      return R::failure("getrandom failed");
    std::string encoded(argon2_encodedlen(t_cost, m_cost, lanes, salt.size(), 32, Argon2_id), '\0');
    const int rc = argon2id_hash_encoded(t_cost, m_cost, lanes, p.data(), p.size(), salt.data(),
                                         salt.size(), 32, encoded.data(), encoded.size());
    if (rc != ARGON2_OK) return R::failure(std::string("argon2: ") + argon2_error_message(rc));
    encoded.resize(std::strlen(encoded.c_str()));
    return "{ARGON2ID}" + encoded;
  }
  if (scheme == "scram-sha-256") {
    auto c = scram_sha256_credentials(password);
    if (!c) return R::failure(c.error());
    return "{SCRAM-SHA-256}" + c.value();
  }
  return R::failure("unsupported password scheme '" + std::string(scheme_in) +
                    "' (use SHA512-CRYPT, BLF-CRYPT, ARGON2ID, SCRAM-SHA-256 or PLAIN)");
}

std::vector<std::string> recipient_keys(std::string_view address, std::string_view delimiters) {
  std::string addr(address);
  if (addr.size() >= 2 && addr.front() == '<' && addr.back() == '>')
    addr = addr.substr(1, addr.size() - 2);
  const auto at = addr.rfind('@');
  std::string local = at == std::string::npos ? addr : addr.substr(0, at);
  const std::string domain = at == std::string::npos ? "" : addr.substr(at);
  if (!delimiters.empty()) {
    const auto d = local.find_first_of(delimiters);
    if (d != std::string::npos && d > 0) local.resize(d);
  }
  std::vector<std::string> keys;
  if (!domain.empty()) keys.push_back(local + domain);
  keys.push_back(local);
  return keys;
}

Result<bool> UserDb::refresh() {
  struct stat st {};
  if (::stat(file_.c_str(), &st) != 0) {
    if (errno != ENOENT) return Result<bool>::failure(file_.string() + ": " + std::strerror(errno));
    // No file yet: no users (e.g. before the first `zest user add`).
    users_.clear();
    by_key_.clear();
    loaded_ = false;
    return true;
  }
  const Version now{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                    static_cast<std::int64_t>(st.st_mtim.tv_sec),
                    static_cast<std::int64_t>(st.st_mtim.tv_nsec),
                    static_cast<std::int64_t>(st.st_size)};
  if (loaded_ && now == version_) return true;
  const auto text = base::read_file(file_);
  if (!text) return Result<bool>::failure(file_.string() + ": cannot open");
  auto parsed = parse_passwd(*text, file_.string());
  if (!parsed) return Result<bool>::failure(parsed.error());
  users_ = std::move(parsed.value());
  by_key_.clear();
  by_key_.reserve(users_.size());
  for (std::size_t i = 0; i < users_.size(); ++i)
    by_key_.emplace(user_key(users_[i].name), i);  // names are unique (parse_passwd)
  version_ = now;
  loaded_ = true;
  return true;
}

std::string user_key(std::string_view name) {
  return base::to_lower(name);
}

Result<std::optional<UserEntry>> UserDb::find(std::string_view name) {
  using R = Result<std::optional<UserEntry>>;
  std::lock_guard lock(mu_);
  if (auto r = refresh(); !r) return R::failure(r.error());
  const auto it = by_key_.find(user_key(name));
  if (it == by_key_.end()) return std::optional<UserEntry>();
  return std::optional<UserEntry>(users_[it->second]);
}

Result<std::optional<UserEntry>> UserDb::find_recipient(std::string_view address,
                                                        std::string_view delimiters) {
  for (const auto& key : recipient_keys(address, delimiters)) {
    auto r = find(key);
    if (!r || r.value()) return r;
  }
  return std::optional<UserEntry>();
}

Result<std::vector<UserEntry>> UserDb::all() {
  std::lock_guard lock(mu_);
  std::error_code ec;
  if (!fs::exists(file_, ec)) return std::vector<UserEntry>{};
  if (auto r = refresh(); !r) return Result<std::vector<UserEntry>>::failure(r.error());
  return users_;
}

Result<bool> UserDb::save(const std::vector<UserEntry>& users) {
  using R = Result<bool>;
  std::lock_guard lock(mu_);
  std::string text;
  for (const auto& u : users) text += format_passwd_line(u) + "\n";
  if (file_.has_parent_path())
    if (auto d = base::make_private_dirs(file_.parent_path()); !d) return R::failure(d.error());
  if (auto w = base::write_file_atomic(file_, text); !w) return R::failure(w.error());
  loaded_ = false;
  return true;
}

}  // namespace zest::store
