#include "migrate/mapper.hpp"

#include <map>

namespace zest::migrate {

std::string scope_key(const std::vector<Section>& scope) {
  std::string out;
  for (const auto& s : scope) {
    if (!out.empty()) out += '/';
    out += s.type;
    if (!s.name.empty())
      out += " " + s.name;
    else if (s.type == "passdb" || s.type == "userdb")
      out += "#" + std::to_string(s.id);
  }
  return out;
}

Mapper::Mapper(const DovecotConfig& conf, ZestOutput& o) : out(o), conf_(conf) {
  // The last value of each (section, key) wins; its position is where the
  // first one was, so the output follows the configuration's order.
  std::map<std::pair<std::string, std::string>, std::size_t> index;
  for (const auto& s : conf.settings) {
    const auto k = std::pair{scope_key(s.scope), s.key};
    if (auto it = index.find(k); it != index.end()) {
      effective_[it->second] = &s;
    } else {
      index.emplace(k, effective_.size());
      effective_.push_back(&s);
    }
  }
}

const Setting* Mapper::get(std::string_view scope, std::string_view key) const {
  for (const Setting* s : effective_)
    if (s->key == key && s->scope_text() == scope) return s;
  return nullptr;
}

const Setting* Mapper::get_delivery(std::string_view key) const {
  if (const Setting* s = get("protocol lmtp", key)) return s;
  if (const Setting* s = get("protocol lda", key)) return s;
  return get("", key);
}

std::vector<const Setting*> Mapper::under(std::string_view prefix) const {
  std::vector<const Setting*> out;
  for (const Setting* s : effective_) {
    const std::string sc = s->scope_text();
    if (sc == prefix ||
        (sc.size() > prefix.size() && sc.starts_with(prefix) && sc[prefix.size()] == '/'))
      out.push_back(s);
  }
  return out;
}

const Setting* Mapper::Block::get(std::string_view key) const {
  const Setting* found = nullptr;
  for (const Setting* s : settings)
    if (s->key == key && s->scope.size() == 1) found = s;
  return found;
}

std::vector<Mapper::Block> Mapper::blocks(std::string_view type) const {
  std::vector<Block> out;
  for (const auto& [scope, where] : conf_.sections) {
    if (scope.size() != 1 || scope[0].type != type) continue;
    Block b{scope[0], where, {}};
    for (const Setting* s : effective_)
      if (!s->scope.empty() && s->scope[0].id == scope[0].id) b.settings.push_back(s);
    out.push_back(std::move(b));
  }
  return out;
}

bool Mapper::has_section(std::string_view scope) const {
  for (const auto& [sc, where] : conf_.sections) {
    Setting s;
    s.scope = sc;
    if (s.scope_text() == scope) return true;
  }
  return false;
}

}  // namespace zest::migrate
