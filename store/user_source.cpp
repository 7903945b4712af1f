#include "store/user_source.hpp"

#include <charconv>

#include "base/text.hpp"

namespace zest::store {

Result<std::optional<UserRecord>> find_recipient(UserSource& source, std::string_view address,
                                                 std::string_view delimiters) {
  for (const auto& key : recipient_keys(address, delimiters)) {
    auto r = source.find(key);
    if (!r || r.value()) return r;
  }
  return std::optional<UserRecord>();
}

void apply_extra_fields(std::string_view extra, UserRecord& into) {
  std::size_t pos = 0;
  while (pos < extra.size()) {
    const std::size_t end = std::min(extra.find(' ', pos), extra.size());
    std::string_view field = extra.substr(pos, end - pos);
    pos = end + 1;
    const std::size_t eq = field.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = field.substr(0, eq);
    const std::string_view value = field.substr(eq + 1);
    if (key.starts_with("userdb_")) key.remove_prefix(7);
    if (key == "home")
      into.home = std::string(value);
    else if (key == "mail")
      into.mail = std::string(value);
    else if (key == "quota_rule")
      into.quota_rule = std::string(value);
  }
}

UserRecord record_of(const UserEntry& e) {
  UserRecord r;
  r.name = e.name;
  r.password = e.password;
  r.uid = e.uid;
  r.gid = e.gid;
  r.extra = e.extra;
  apply_extra_fields(e.extra, r);
  if (!e.home.empty()) r.home = e.home;  // the home field wins over userdb_home
  return r;
}

Result<std::uint64_t> parse_quota_rule(std::string_view rule) {
  using R = Result<std::uint64_t>;
  auto bad = [&](std::string_view why) {
    return R::failure("quota rule '" + std::string(rule) + "': " + std::string(why));
  };
  const std::size_t colon = rule.find(':');
  if (colon == std::string_view::npos) return bad("expected \"*:storage=SIZE\"");
  const std::string_view mailbox = rule.substr(0, colon);
  if (mailbox != "*" && !mailbox.empty()) return bad("only the \"*\" rule is supported");
  const std::string_view what = rule.substr(colon + 1);
  if (what == "ignore" || what == "none") return std::uint64_t{0};
  const std::size_t eq = what.find('=');
  if (eq == std::string_view::npos) return bad("expected storage=SIZE or bytes=SIZE");
  const std::string_view kind = what.substr(0, eq);
  std::string_view value = what.substr(eq + 1);
  if (kind != "storage" && kind != "bytes") return bad("only storage= and bytes= are supported");
  if (value.starts_with('+')) value.remove_prefix(1);
  std::uint64_t n = 0;
  const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || p == value.data()) return bad("the size is not a number");
  std::string_view unit(p, static_cast<std::size_t>(value.data() + value.size() - p));
  if (unit == "%") return bad("percentages are not supported");
  // Dovecot: a storage limit without a unit is in kilobytes.
  std::uint64_t mult = unit.empty() ? (kind == "storage" ? 1024 : 1) : 0;
  if (!unit.empty()) {
    const std::string u = base::to_lower(unit);
    if (u == "b")
      mult = 1;
    else if (u == "k" || u == "kb")
      mult = 1ULL << 10;
    else if (u == "m" || u == "mb")
      mult = 1ULL << 20;
    else if (u == "g" || u == "gb")
      mult = 1ULL << 30;
    else if (u == "t" || u == "tb")
      mult = 1ULL << 40;
    else
      return bad("unknown unit '" + std::string(unit) + "'");
  }
  if (n > UINT64_MAX / mult) return bad("the size is too large");
  return n * mult;
}

Result<std::optional<UserRecord>> PasswdUserSource::find(std::string_view name) {
  using R = Result<std::optional<UserRecord>>;
  auto found = db_.find(name);
  if (!found) return R::failure(found.error());
  if (!found.value()) return std::optional<UserRecord>();
  return std::optional<UserRecord>(record_of(*found.value()));
}

Result<std::vector<UserRecord>> PasswdUserSource::all() {
  using R = Result<std::vector<UserRecord>>;
  auto users = db_.all();
  if (!users) return R::failure(users.error());
  std::vector<UserRecord> out;
  for (const auto& e : users.value()) out.push_back(record_of(e));
  return out;
}

}  // namespace zest::store
