#include "store/script_cache.hpp"

#include <openssl/sha.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "base/file.hpp"
#include "grammar/diagnostics.hpp"
#include "interp/compiler.hpp"
#include "store/maildir_tx.hpp"

namespace zest::store {
namespace fs = std::filesystem;

std::optional<fs::path> SieveHome::active_script() const {
  std::error_code ec;
  const fs::path link = active_link();
  if (!fs::exists(link, ec)) return std::nullopt;  // follows the link: dangling = none
  auto target = fs::canonical(link, ec);
  if (ec || !fs::is_regular_file(target, ec)) return std::nullopt;
  return target;
}

std::string source_digest(std::string_view source) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> d{};
  SHA256(reinterpret_cast<const unsigned char*>(source.data()), source.size(), d.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : d) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::vector<fs::path> expand_script_paths(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_directory(p, ec)) return {p};
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(p, ec))
    if (e.path().extension() == ".sieve") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<fs::path> ScriptCache::unseen_svbin(const fs::path& script) {
  fs::path svbin = script;
  svbin.replace_extension(".svbin");
  std::error_code ec;
  if (!fs::exists(svbin, ec)) return std::nullopt;
  std::lock_guard lock(mu_);
  if (!svbin_seen_.insert(svbin.string()).second) return std::nullopt;
  return svbin;
}

void ScriptCache::count(Source s) {
  switch (s) {
    case Source::Memory: ++stats_.hits; break;
    case Source::Binary: ++stats_.binaries; break;
    case Source::Compiled: ++stats_.compiled; break;
    case Source::Failed: ++stats_.failed; break;
  }
}

ScriptCache::Stats ScriptCache::stats() const {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  s.entries = entries_.size();
  return s;
}

void ScriptCache::put(const std::string& key, Entry e) {
  if (auto it = entries_.find(key); it != entries_.end()) {
    stats_.bytes -= it->second.bytes;
    lru_.erase(it->second.lru);
    entries_.erase(it);
  }
  // The key twice (map and list) and the error text count too.
  e.bytes += sizeof(Entry) + 2 * key.size() + e.error.size() + e.digest.size();
  lru_.push_front(key);
  e.lru = lru_.begin();
  stats_.bytes += e.bytes;
  entries_.emplace(key, std::move(e));
  // The newest entry stays even when it alone is over the bound: it is
  // about to run.
  while (stats_.bytes > max_bytes_ && lru_.size() > 1) {
    auto victim = entries_.find(lru_.back());
    stats_.bytes -= victim->second.bytes;
    entries_.erase(victim);
    lru_.pop_back();
    ++stats_.evictions;
  }
}

ScriptCache::Loaded ScriptCache::get(const fs::path& script) {
  Loaded out;
  std::error_code ec;
  const fs::path path = fs::weakly_canonical(script, ec);
  const std::string key = path.string();
  // The source decides, not its mtime: another node may have replaced it
  // within the same second, with the same size.
  auto source = base::read_file(path);
  if (!source) {
    out.error = key + ": cannot read script";
    std::lock_guard lock(mu_);
    count(Source::Failed);
    return out;
  }
  const std::string digest = source_digest(*source);
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.digest == digest) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      out.program = it->second.program;
      out.error = it->second.error;
      out.source = Source::Memory;
      count(out.source);
      return out;
    }
  }
  const fs::path binary = path.parent_path() / (path.stem().string() + ".svbc");
  std::shared_ptr<const interp::Program> program;
  if (auto bytes = base::read_file(binary)) {
    const auto* b = reinterpret_cast<const std::uint8_t*>(bytes->data());
    auto loaded = interp::load_program({b, bytes->size()}, registry_);
    // Stale, corrupt or compiled from another source: a cache miss.
    if (loaded && loaded.value().source_digest == digest) {
      program = std::make_shared<const interp::Program>(std::move(loaded.value()));
      out.from_binary = true;
      out.source = Source::Binary;
    }
  }
  if (!program) {
    auto result = interp::compile(*source, registry_, settings_);
    if (!result.program) {
      for (const auto& d : result.diags.all()) {
        if (!out.error.empty()) out.error += "\n";
        out.error += grammar::format_with_source(key, *source, d);
      }
      if (out.error.empty()) out.error = key + ": compile failed";
      std::lock_guard lock(mu_);
      count(Source::Failed);
      put(key, Entry{digest, nullptr, out.error, 0, {}});
      return out;
    }
    result.program->source_digest = digest;
    interp::shrink_to_fit(*result.program);
    program = std::make_shared<const interp::Program>(std::move(*result.program));
    out.source = Source::Compiled;
    // Best effort: a read-only script directory just means no binary cache.
    // A binary written from a source that was replaced meanwhile carries
    // the old digest, so nobody takes it for the new script.
    const auto bytes = interp::serialize(*program);
    const fs::path tmp = binary.string() + ".tmp" + std::to_string(::getpid());
    ::unlink(tmp.c_str());
    if (write_file_durably(tmp, {reinterpret_cast<const char*>(bytes.data()), bytes.size()}))
      fs::rename(tmp, binary, ec);
    ::unlink(tmp.c_str());  // a no-op after a successful rename
  }
  const std::size_t footprint = interp::memory_footprint(*program);
  std::lock_guard lock(mu_);
  count(out.source);
  put(key, Entry{digest, program, {}, footprint, {}});
  out.program = std::move(program);
  return out;
}

}  // namespace zest::store
