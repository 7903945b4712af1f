#include "migrate/zest_output.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "migrate/zest_keys.hpp"

namespace zest::migrate {
namespace {

// Control characters would end a comment line early.
std::string one_line(std::string_view s) {
  std::string out;
  for (char c : s) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  return out;
}

// Tables in the order docs/configuration.md lists them.
constexpr std::array<std::string_view, 14> kTableOrder = {
    "",      "server", "log",        "lmtp",     "managesieve", "tls",    "auth",
    "users", "sql",    "submission", "delivery", "quota",       "notify", "sieve"};

std::size_t table_rank(std::string_view t) {
  const auto it = std::find(kTableOrder.begin(), kTableOrder.end(), t);
  return static_cast<std::size_t>(it - kTableOrder.begin());
}

}  // namespace

std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string toml_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + toml_string(items[i]);
  return out + "]";
}

std::string toml_int(std::int64_t n) {
  return std::to_string(n);
}
std::string toml_bool(bool b) {
  return b ? "true" : "false";
}

std::string describe(const Setting& s) {
  return one_line(s.name() + " = " + s.shown_value()) + " (" + s.where.str() + ")";
}

void ZestOutput::set(std::string_view table, std::string_view key, std::string toml_value,
                     const std::vector<const Setting*>& from, std::string note) {
  if (!zest_has_key(table, key)) {
    const std::string k =
        table.empty() ? std::string(key) : "[" + std::string(table) + "] " + std::string(key);
    for (const Setting* s : from)
      unmapped(*s, "this zest has no " + k + " key" + (note.empty() ? "" : " (" + note + ")"));
    return;
  }
  std::vector<std::string> origins;
  for (const Setting* s : from) origins.push_back(describe(*s));
  for (auto& e : entries_)
    if (e.table == table && e.key == key) {
      e.value = std::move(toml_value);
      e.from.insert(e.from.end(), origins.begin(), origins.end());
      if (!note.empty()) e.note = std::move(note);
      return;
    }
  entries_.push_back({std::string(table), std::string(key), std::move(toml_value), std::move(note),
                      std::move(origins)});
}

void ZestOutput::unmapped(const Setting& s, std::string_view why) {
  unmapped_.push_back("# unmapped: " + describe(s) + ": " + one_line(why));
}

void ZestOutput::same(const Setting& s, std::string_view why) {
  same_.push_back("# same: " + describe(s) + ": " + one_line(why));
}

void ZestOutput::remark(std::string text) {
  remarks_.push_back(one_line(text));
}

bool ZestOutput::has(std::string_view table, std::string_view key) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const Entry& e) { return e.table == table && e.key == key; });
}

std::string ZestOutput::render(std::string_view source) const {
  std::string out =
      "# zest configuration written by `zest migrate-config` from the Dovecot\n"
      "# configuration " +
      one_line(source) +
      ".\n"
      "# Check it before use: zestd --check-config -c <this file>\n"
      "# Each key is preceded by the Dovecot setting(s) it comes from; the end\n"
      "# lists the settings zest does the same way without a key (\"# same:\")\n"
      "# and those it could not map (\"# unmapped:\"), with the reason.\n";
  for (const auto& r : remarks_) out += "# Note: " + r + "\n";
  std::vector<const Entry*> sorted;
  for (const auto& e : entries_) sorted.push_back(&e);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Entry* a, const Entry* b) {
    return table_rank(a->table) < table_rank(b->table) ||
           (table_rank(a->table) == table_rank(b->table) && a->table < b->table);
  });
  std::string table = "";
  for (const Entry* e : sorted) {
    if (e->table != table) {
      table = e->table;
      out += "\n[" + table + "]\n";
    } else {
      out += "\n";
    }
    for (const auto& f : e->from) out += "# from " + f + "\n";
    if (!e->note.empty()) out += "# " + one_line(e->note) + "\n";
    out += e->key + " = " + e->value + "\n";
  }
  if (!same_.empty()) {
    out += "\n# Dovecot settings zest does the same way without a key:\n";
    for (const auto& s : same_) out += s + "\n";
  }
  if (!unmapped_.empty()) {
    out += "\n# Dovecot settings that could not be mapped:\n";
    for (const auto& s : unmapped_) out += s + "\n";
  }
  return out;
}

}  // namespace zest::migrate
