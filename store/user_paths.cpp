#include "store/user_paths.hpp"

#include "base/text.hpp"

namespace zest::store {
namespace fs = std::filesystem;

Status check_user_name(std::string_view name) {
  auto refuse = [&](std::string_view why) {
    return Status::failure("user name '" + std::string(name.substr(0, 200)) +
                           "' refused: " + std::string(why));
  };
  if (name.empty()) return Status::failure("empty user name refused");
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      return Status::failure("user name refused: it contains a control character");
  }
  if (name.find('/') != std::string_view::npos)
    return refuse("it contains '/' (it would name another directory in the path templates)");
  if (name.find('\\') != std::string_view::npos) return refuse("it contains '\\'");
  if (name.find("..") != std::string_view::npos)
    return refuse("it contains \"..\" (it would name another directory in the path templates)");
  const std::size_t at = name.rfind('@');
  const std::string_view local = name.substr(0, at);
  const std::string_view domain = at == std::string_view::npos ? "" : name.substr(at + 1);
  if (name == "." || local == "." || domain == ".") return refuse("a part of it is \".\"");
  return Status::success();
}

Result<std::string> expand_template(std::string_view tmpl, std::string_view user,
                                    std::string_view home) {
  using R = Result<std::string>;
  const std::size_t at = user.rfind('@');
  const std::string_view local = user.substr(0, at);
  const std::string_view domain = at == std::string_view::npos ? "" : user.substr(at + 1);
  auto bad = [&](std::string_view why) {
    return R::failure("template '" + std::string(tmpl) + "': " + std::string(why));
  };
  std::string out;
  std::size_t i = 0;
  if (tmpl.starts_with('~') && (tmpl.size() == 1 || tmpl[1] == '/')) {
    if (home.empty()) return bad("\"~\" (the home) cannot be used in the home itself");
    out = std::string(home);
    i = 1;
  }
  for (; i < tmpl.size(); ++i) {
    if (tmpl[i] != '%') {
      out += tmpl[i];
      continue;
    }
    if (++i >= tmpl.size()) return bad("it ends with a lone '%'");
    bool lower = false;
    if (tmpl[i] == 'L' && i + 1 < tmpl.size()) {
      lower = true;
      ++i;
    }
    std::string var;
    if (tmpl[i] == '{') {
      const std::size_t close = tmpl.find('}', i);
      if (close == std::string_view::npos) return bad("'%{' without '}'");
      var = std::string(tmpl.substr(i + 1, close - i - 1));
      i = close;
    } else {
      var = std::string(1, tmpl[i]);
    }
    std::string value;
    if (var == "%")
      value = "%";
    else if (var == "u" || var == "user")
      value = std::string(user);
    else if (var == "n" || var == "username")
      value = std::string(local);
    else if (var == "d" || var == "domain")
      value = std::string(domain);
    else if (var == "h" || var == "home") {
      if (home.empty()) return bad("%h (the home) cannot be used in the home itself");
      value = std::string(home);
    } else {
      return bad("unknown variable %" + (var.size() == 1 ? var : "{" + var + "}") +
                 " (known: %u, %n, %d, %h, %%)");
    }
    out += lower ? base::to_lower(value) : value;
  }
  return out;
}

Result<std::string> maildir_of_location(std::string_view location) {
  using R = Result<std::string>;
  const std::size_t colon = location.find(':');
  // A plain path (no "format:"), or one whose first ':' follows a '/'.
  if (colon == std::string_view::npos ||
      location.substr(0, colon).find('/') != std::string_view::npos)
    return std::string(location);
  const std::string format = base::to_lower(location.substr(0, colon));
  if (format != "maildir")
    return R::failure("mail location '" + std::string(location) + "': only maildir is supported");
  std::string_view rest = location.substr(colon + 1);
  rest = rest.substr(0, rest.find(':'));  // drop :LAYOUT=, :INDEX=, ...
  if (rest.empty()) return R::failure("mail location '" + std::string(location) + "': no path");
  return std::string(rest);
}

Result<UserPlace> resolve_user(const UserRecord& user, const PathTemplates& t) {
  using R = Result<UserPlace>;
  if (auto ok = check_user_name(user.name); !ok) return R::failure(ok.error());
  auto fail = [&](std::string_view what, const std::string& why) {
    return R::failure("user '" + user.name + "': " + std::string(what) + ": " + why);
  };
  std::string home;
  if (!user.home.empty()) {
    auto h = expand_template(user.home, user.name, "");
    if (!h) return fail("home", h.error());
    home = std::move(*h);
  } else if (t.home.empty()) {
    home = (t.data_dir / "home" / user.name).string();
  } else {
    auto h = expand_template(t.home, user.name, "");
    if (!h) return fail("[users] home", h.error());
    home = std::move(*h);
  }
  if (home.empty()) return fail("home", "empty");
  UserPlace out;
  out.name = user.name;
  out.record = user;
  out.where = SieveHome{fs::path(home)};
  auto path = [&](std::string_view what, std::string_view tmpl) -> Result<fs::path> {
    auto e = expand_template(tmpl, user.name, home);
    if (!e) return Result<fs::path>::failure(std::string(what) + ": " + e.error());
    if (e->empty()) return Result<fs::path>::failure(std::string(what) + ": empty");
    return fs::path(*e);
  };
  const bool own_mail = !user.mail.empty();
  auto location = maildir_of_location(own_mail ? user.mail : t.mail);
  if (!location) return fail(own_mail ? "mail" : "[users] mail", location.error());
  auto mail = path(own_mail ? "mail" : "[users] mail", *location);
  if (!mail) return fail("paths", mail.error());
  auto dir = path("[users] sieve_dir", t.sieve_dir);
  if (!dir) return fail("paths", dir.error());
  auto active = path("[users] sieve_active", t.sieve_active);
  if (!active) return fail("paths", active.error());
  out.where.mail_dir = std::move(*mail);
  out.where.sieve_dir = std::move(*dir);
  out.where.active = std::move(*active);
  out.quota_storage = t.quota_storage;
  if (!user.quota_rule.empty()) {
    auto q = parse_quota_rule(user.quota_rule);
    if (!q) return fail("quota_rule", q.error());
    out.quota_storage = *q;
  }
  return out;
}

namespace {

Result<std::optional<UserPlace>, LookupError> place_of(Result<std::optional<UserRecord>> found,
                                                       const PathTemplates& t) {
  using R = Result<std::optional<UserPlace>, LookupError>;
  if (!found) return R::failure({true, found.error()});
  if (!found.value()) return std::optional<UserPlace>();
  auto place = resolve_user(*found.value(), t);
  if (!place) return R::failure({false, place.error()});
  return std::optional<UserPlace>(std::move(place.value()));
}

}  // namespace

Result<std::optional<UserPlace>, LookupError> lookup_user(UserSource& source,
                                                          const PathTemplates& t,
                                                          std::string_view name) {
  using R = Result<std::optional<UserPlace>, LookupError>;
  // Refused before the database sees it: no query, no file, for "../x".
  if (auto ok = check_user_name(name); !ok) return R::failure({false, ok.error()});
  return place_of(source.find(name), t);
}

Result<std::optional<UserPlace>, LookupError> lookup_recipient(UserSource& source,
                                                               const PathTemplates& t,
                                                               std::string_view address,
                                                               std::string_view delimiters) {
  using R = Result<std::optional<UserPlace>, LookupError>;
  for (const auto& key : recipient_keys(address, delimiters))
    if (auto ok = check_user_name(key); !ok) return R::failure({false, ok.error()});
  return place_of(find_recipient(source, address, delimiters), t);
}

}  // namespace zest::store
