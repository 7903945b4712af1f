#include "transport/ext_lists.hpp"

#include <fstream>

#include "transport/redis_client.hpp"

namespace zest::transport {
namespace {

constexpr std::string_view kDictPrefix = "priv/sieve/extlists/";

// "redis:URL#KEY" -> (URL, KEY).
Result<std::pair<RedisEndpoint, std::string>> parse_redis_source(std::string_view s) {
  using R = Result<std::pair<RedisEndpoint, std::string>>;
  s.remove_prefix(6);  // "redis:"
  const auto hash = s.rfind('#');
  if (hash == std::string_view::npos || hash + 1 == s.size())
    return R::failure("a redis list needs a key (redis://host:port#KEY)");
  auto ep = parse_redis_url(s.substr(0, hash));
  if (!ep) return R::failure(ep.error());
  return std::pair{std::move(*ep), std::string(s.substr(hash + 1))};
}

Result<std::set<std::string, std::less<>>> read_entries(const std::string& path, bool dict) {
  using R = Result<std::set<std::string, std::less<>>>;
  std::ifstream in(path, std::ios::binary);
  if (!in) return R::failure("cannot open " + path);
  std::set<std::string, std::less<>> out;
  std::string line;
  for (bool key = true; std::getline(in, line); key = !key) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!dict) {
      if (!line.empty()) out.insert(line);
      continue;
    }
    // Dict files alternate key and value lines; only extlists keys count.
    if (key && line.starts_with(kDictPrefix)) out.insert(line.substr(kDictPrefix.size()));
  }
  if (in.bad()) return R::failure("cannot read " + path);
  return out;
}

}  // namespace

Status check_ext_list_source(std::string_view source) {
  if (source.empty()) return Status::success();
  if (source.starts_with("file:") || source.starts_with("dict:"))
    return source.size() > 5 ? Status::success() : Status::failure("a path is missing");
  if (source.starts_with("redis:")) return Status::from(parse_redis_source(source));
  return Status::failure("unknown list source '" + std::string(source) + "'");
}

struct ExtLists::Loaded {
  std::set<std::string, std::less<>> entries;  // file and dict lists
  std::unique_ptr<RedisClient> redis;          // redis lists
  std::string key;
};

ExtLists::ExtLists(std::map<std::string, std::string, std::less<>> sources,
                   long redis_timeout_seconds)
    : sources_(std::move(sources)), redis_timeout_(redis_timeout_seconds) {}

ExtLists::~ExtLists() = default;

Result<ExtLists::Loaded*> ExtLists::load(std::string_view list) {
  using R = Result<Loaded*>;
  if (auto it = loaded_.find(list); it != loaded_.end()) return it->second.get();
  const auto src = sources_.find(list);
  if (src == sources_.end()) return R::failure("no such list");
  auto l = std::make_unique<Loaded>();
  const std::string& s = src->second;
  if (s.starts_with("file:") || s.starts_with("dict:")) {
    auto e = read_entries(s.substr(5), s.starts_with("dict:"));
    if (!e) return R::failure(e.error());  // not kept: the next run tries again
    l->entries = std::move(*e);
  } else if (s.starts_with("redis:")) {
    auto p = parse_redis_source(s);
    if (!p) return R::failure(p.error());
    l->redis = std::make_unique<RedisClient>(std::move(p->first), redis_timeout_);
    l->key = std::move(p->second);
    if (auto c = l->redis->connect(); !c) return R::failure(c.error());
  } else if (!s.empty()) {
    return R::failure("unknown list source '" + s + "'");
  }
  Loaded* raw = l.get();
  loaded_.emplace(std::string(list), std::move(l));
  return raw;
}

Result<bool> ExtLists::contains(std::string_view list, std::string_view value) {
  auto l = load(list);
  if (!l) return Result<bool>::failure(l.error());
  if (!(*l)->redis) return (*l)->entries.count(value) > 0;
  if (auto c = (*l)->redis->connect(); !c) return Result<bool>::failure(c.error());
  auto r = (*l)->redis->command({"SISMEMBER", (*l)->key, std::string(value)});
  if (!r) {
    (*l)->redis->disconnect();
    return Result<bool>::failure(r.error());
  }
  return r->type == RedisReply::Type::Integer && r->integer == 1;
}

Result<std::vector<std::string>> ExtLists::members(std::string_view list) {
  using R = Result<std::vector<std::string>>;
  auto l = load(list);
  if (!l) return R::failure(l.error());
  if (!(*l)->redis) return std::vector<std::string>((*l)->entries.begin(), (*l)->entries.end());
  if (auto c = (*l)->redis->connect(); !c) return R::failure(c.error());
  auto r = (*l)->redis->command({"SMEMBERS", (*l)->key});
  if (!r) {
    (*l)->redis->disconnect();
    return R::failure(r.error());
  }
  std::vector<std::string> out;
  for (const auto& e : r->elements) out.push_back(e.text);
  return out;
}

}  // namespace zest::transport
