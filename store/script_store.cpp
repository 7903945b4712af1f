#include "store/script_store.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "base/atomic_file.hpp"
#include "base/file.hpp"
#include "base/hex.hpp"
#include "store/maildir_tx.hpp"

namespace zest::store {
namespace fs = std::filesystem;
namespace {

template <class T>
ScriptResult<T> fail(ScriptErrorCode code, std::string message) {
  return ScriptResult<T>::failure({code, std::move(message)});
}

bool plain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Only upper-case escapes are produced, so only they are read back: a
// lower-case "%2f" names no script.
int upper_hex_value(char c) {
  const auto at = std::string_view(base::kHexUpper).find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

// Unique names for temporary files within this process and across processes.
std::string tmp_suffix() {
  static std::atomic<unsigned long> counter{0};  // a counter, not shared state
  return std::to_string(::getpid()) + "." + std::to_string(++counter);
}

}  // namespace

std::string_view response_code(ScriptErrorCode code) {
  using C = ScriptErrorCode;
  switch (code) {
    case C::NonExistent:
      return "NONEXISTENT";
    case C::AlreadyExists:
      return "ALREADYEXISTS";
    case C::Active:
      return "ACTIVE";
    case C::QuotaMaxScripts:
      return "QUOTA/MAXSCRIPTS";
    case C::QuotaMaxSize:
      return "QUOTA/MAXSIZE";
    case C::Quota:
      return "QUOTA";
    case C::BadName:
      return "";
    case C::TryLater:
      return "TRYLATER";
  }
  return "";
}

std::string script_file_stem(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    // '.' only in the middle: never ".", "..", a hidden file or "x.sieve."
    const bool dot_ok = c == '.' && i > 0 && i + 1 < name.size();
    if (plain_char(c) || dot_ok) {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += base::kHexUpper[u >> 4];
      out += base::kHexUpper[u & 15];
    }
  }
  return out;
}

std::optional<std::string> script_name_from_stem(std::string_view stem) {
  std::string name;
  for (std::size_t i = 0; i < stem.size(); ++i) {
    if (stem[i] != '%') {
      name += stem[i];
      continue;
    }
    if (i + 2 >= stem.size()) return std::nullopt;
    const int hi = upper_hex_value(stem[i + 1]), lo = upper_hex_value(stem[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    name += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  if (name.empty() || script_file_stem(name) != stem) return std::nullopt;
  return name;
}

fs::path FsScriptStore::script_path(std::string_view name) const {
  return home_.script_dir() / (script_file_stem(name) + ".sieve");
}

ScriptResult<bool> FsScriptStore::ensure_dir() const {
  if (!base::make_private_dirs(home_.script_dir()))
    return fail<bool>(ScriptErrorCode::TryLater, "cannot create script directory");
  return true;
}

ScriptResult<std::vector<FsScriptStore::Entry>> FsScriptStore::entries() const {
  std::vector<Entry> out;
  std::error_code ec;
  if (!fs::exists(home_.script_dir(), ec)) return out;
  fs::directory_iterator it(home_.script_dir(), ec);
  if (ec) return fail<std::vector<Entry>>(ScriptErrorCode::TryLater, "cannot read scripts");
  for (const auto& e : it) {
    const fs::path& p = e.path();
    if (p.extension() != ".sieve" || !e.is_regular_file(ec)) continue;
    auto name = script_name_from_stem(p.stem().string());
    if (!name) continue;
    out.push_back({std::move(*name), static_cast<std::uint64_t>(e.file_size(ec))});
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return out;
}

ScriptResult<std::optional<std::string>> FsScriptStore::active() {
  std::error_code ec;
  const fs::path link = home_.active_link();
  if (!fs::is_symlink(link, ec)) return std::optional<std::string>{};
  const fs::path target = fs::read_symlink(link, ec);
  if (ec) return std::optional<std::string>{};
  // Only links into our script directory name a script we manage.
  const fs::path resolved = target.is_absolute() ? target : link.parent_path() / target;
  if (resolved.parent_path().lexically_normal() != home_.script_dir().lexically_normal() ||
      resolved.extension() != ".sieve" || !fs::exists(resolved, ec))
    return std::optional<std::string>{};
  return script_name_from_stem(resolved.stem().string());
}

ScriptResult<std::vector<ScriptInfo>> FsScriptStore::list() {
  auto es = entries();
  if (!es) return ScriptResult<std::vector<ScriptInfo>>::failure(es.error());
  auto act = active();
  std::vector<ScriptInfo> out;
  for (auto& e : *es) out.push_back({e.name, act && act->has_value() && **act == e.name});
  return out;
}

ScriptResult<std::string> FsScriptStore::get(std::string_view name) {
  auto text = base::read_file(script_path(name));
  if (!text)
    return fail<std::string>(ScriptErrorCode::NonExistent, "There is no script by that name");
  return std::move(*text);
}

ScriptResult<bool> FsScriptStore::have_space(std::string_view name, std::uint64_t size) {
  if (quota_.max_script_size && size > quota_.max_script_size)
    return fail<bool>(ScriptErrorCode::QuotaMaxSize, "Script is larger than the maximum of " +
                                                         std::to_string(quota_.max_script_size) +
                                                         " octets");
  auto es = entries();
  if (!es) return ScriptResult<bool>::failure(es.error());
  std::uint64_t total = 0, replaced = 0;
  bool exists = false;
  for (const auto& e : *es) {
    total += e.size;
    if (e.name == name) exists = true, replaced = e.size;
  }
  if (!exists && quota_.max_scripts && es->size() + 1 > quota_.max_scripts)
    return fail<bool>(
        ScriptErrorCode::QuotaMaxScripts,
        "Too many scripts (the maximum is " + std::to_string(quota_.max_scripts) + ")");
  if (quota_.max_total && total - replaced + size > quota_.max_total)
    return fail<bool>(ScriptErrorCode::Quota, "Script storage quota exceeded (" +
                                                  std::to_string(quota_.max_total) + " octets)");
  return true;
}

ScriptResult<bool> FsScriptStore::put(std::string_view name, std::string_view source,
                                      std::span<const std::uint8_t> compiled) {
  if (auto r = ensure_dir(); !r) return r;
  if (auto r = have_space(name, source.size()); !r) return r;
  const fs::path dir = home_.script_dir();
  const fs::path final_path = script_path(name);
  const fs::path final_bin = dir / (script_file_stem(name) + ".svbc");
  const std::string suffix = tmp_suffix();
  const fs::path tmp = dir / (".tmp." + suffix + ".sieve");
  const fs::path tmp_bin = dir / (".tmp." + suffix + ".svbc");
  auto cleanup = [&] {
    ::unlink(tmp.c_str());
    ::unlink(tmp_bin.c_str());
  };
  if (!write_file_durably(tmp, source)) {
    cleanup();
    return fail<bool>(ScriptErrorCode::TryLater, "cannot write the script");
  }
  // The binary carries the digest of this source (ScriptCache checks it);
  // a failure here only costs a recompile.
  const bool have_bin =
      !compiled.empty() &&
      write_file_durably(tmp_bin, {reinterpret_cast<const char*>(compiled.data()), compiled.size()})
          .ok();
  std::error_code ec;
  fs::rename(tmp, final_path, ec);
  if (ec) {
    cleanup();
    return fail<bool>(ScriptErrorCode::TryLater, "cannot store the script");
  }
  // Source first, then binary: in between, the old binary's digest does not
  // match the new source, so a reader recompiles instead of running stale code.
  if (have_bin) fs::rename(tmp_bin, final_bin, ec);
  if (!have_bin || ec) fs::remove(final_bin, ec);
  cleanup();
  (void)fsync_dir(dir);
  return true;
}

ScriptResult<bool> FsScriptStore::rename(std::string_view from, std::string_view to) {
  std::error_code ec;
  const fs::path src = script_path(from), dst = script_path(to);
  if (!fs::exists(src, ec))
    return fail<bool>(ScriptErrorCode::NonExistent, "There is no script by that name");
  if (fs::exists(dst, ec))
    return fail<bool>(ScriptErrorCode::AlreadyExists, "A script with that name already exists");
  auto act = active();
  const bool was_active = act && act->has_value() && **act == from;
  // link(2) instead of rename(2): it fails rather than replacing a script
  // created concurrently under the new name.
  if (::link(src.c_str(), dst.c_str()) != 0)
    return fail<bool>(errno == EEXIST ? ScriptErrorCode::AlreadyExists : ScriptErrorCode::TryLater,
                      "cannot rename the script");
  const fs::path src_bin = src.parent_path() / (src.stem().string() + ".svbc");
  const fs::path dst_bin = dst.parent_path() / (dst.stem().string() + ".svbc");
  fs::rename(src_bin, dst_bin, ec);  // absent binary: nothing to move
  if (was_active) {
    if (auto r = set_active(to); !r) {
      ::unlink(dst.c_str());
      return r;
    }
  }
  ::unlink(src.c_str());
  (void)fsync_dir(home_.script_dir());
  return true;
}

ScriptResult<bool> FsScriptStore::remove(std::string_view name) {
  std::error_code ec;
  const fs::path p = script_path(name);
  if (!fs::exists(p, ec))
    return fail<bool>(ScriptErrorCode::NonExistent, "There is no script by that name");
  auto act = active();
  if (act && act->has_value() && **act == name)
    return fail<bool>(ScriptErrorCode::Active, "You may not delete an active script");
  if (::unlink(p.c_str()) != 0)
    return fail<bool>(ScriptErrorCode::TryLater, "cannot delete the script");
  fs::remove(p.parent_path() / (p.stem().string() + ".svbc"), ec);
  (void)fsync_dir(home_.script_dir());
  return true;
}

ScriptResult<bool> FsScriptStore::set_active(std::string_view name) {
  std::error_code ec;
  const fs::path link = home_.active_link();
  if (fs::exists(link, ec) && !fs::is_symlink(link, ec))
    return fail<bool>(ScriptErrorCode::TryLater,
                      "The active script is a regular file; an administrator must move it");
  if (name.empty()) {
    if (::unlink(link.c_str()) != 0 && errno != ENOENT)
      return fail<bool>(ScriptErrorCode::TryLater, "cannot deactivate");
    (void)fsync_dir(link.parent_path());
    return true;
  }
  const fs::path p = script_path(name);
  if (!fs::exists(p, ec))
    return fail<bool>(ScriptErrorCode::NonExistent, "There is no script by that name");
  // A new link renamed over the old one: delivery never sees no link.
  // Relative to the link's directory (Pigeonhole's "sieve/x.sieve" in the
  // default layout), absolute when the two share no base.
  const fs::path tmp = link.parent_path() / (link.filename().string() + ".tmp." + tmp_suffix());
  fs::path target = p.lexically_relative(link.parent_path());
  if (target.empty() || p.is_absolute() != link.is_absolute()) target = fs::absolute(p, ec);
  (void)base::make_private_dirs(link.parent_path());  // an error shows in the next step
  fs::create_symlink(target, tmp, ec);
  if (ec) return fail<bool>(ScriptErrorCode::TryLater, "cannot activate the script");
  fs::rename(tmp, link, ec);
  if (ec) {
    ::unlink(tmp.c_str());
    return fail<bool>(ScriptErrorCode::TryLater, "cannot activate the script");
  }
  (void)fsync_dir(link.parent_path());
  return true;
}

}  // namespace zest::store
