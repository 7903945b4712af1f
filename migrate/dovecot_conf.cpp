#include "migrate/dovecot_conf.hpp"

#include <glob.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "base/text.hpp"

namespace zest::migrate {
namespace {

namespace fs = std::filesystem;
using R = Result<DovecotConfig, ReadError>;

constexpr int kMaxIncludeDepth = 32;

std::string unquote(std::string_view v) {
  if (v.size() < 2 || (v.front() != '"' && v.front() != '\'') || v.back() != v.front())
    return std::string(v);
  std::string out;
  for (std::size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] == '\\' && i + 2 < v.size()) ++i;
    out += v[i];
  }
  return out;
}

bool quoted(std::string_view v) {
  return v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front();
}

// The line without its comment: '#' outside quotes starts one.
std::string_view strip_comment(std::string_view l) {
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (l[i] == '"' || l[i] == '\'') {
      const char q = l[i];
      for (++i; i < l.size() && l[i] != q; ++i)
        if (l[i] == '\\' && i + 1 < l.size()) ++i;
      if (i >= l.size()) break;
    } else if (l[i] == '#') {
      return l.substr(0, i);
    }
  }
  return l;
}

bool has_glob(std::string_view p) {
  return p.find_first_of("*?[") != std::string_view::npos;
}

class Parser {
 public:
  DovecotConfig out;

  std::optional<ReadError> file(std::string_view text, const std::string& source,
                                const std::string& dir, int depth) {
    const std::size_t base = stack_.size();
    const std::size_t saved_base = base_;
    base_ = base;
    std::string full;
    int start = 0, lineno = 0;
    bool hidden = false;
    std::size_t pos = 0;
    while (pos <= text.size()) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view l = text.substr(pos, nl - pos);
      const bool last = nl >= text.size();
      pos = nl + 1;
      ++lineno;
      if (last && l.empty() && full.empty()) break;
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      l = base::trim_left(l);
      if (full.empty()) {
        if (l.empty() || l.front() == '#') continue;
        start = lineno;
        // doveconf -n hides secrets: "ssl_key = # hidden, use -P to show it".
        const auto eq = l.find('=');
        hidden = eq != std::string_view::npos &&
                 base::trim_left(l.substr(eq + 1)).starts_with("# hidden");
      }
      l = base::trim_right(strip_comment(l));
      if (!l.empty() && l.back() == '\\') {
        l.remove_suffix(1);
        full += base::trim_right(l);
        full += ' ';
        if (!last) continue;
      } else {
        full += l;
      }
      if (auto e = statement(base::trim(full), hidden, {source, start}, dir, depth)) {
        base_ = saved_base;
        return e;
      }
      full.clear();
      if (last) break;
    }
    base_ = saved_base;
    if (stack_.size() > base) {
      const auto& open = opened_[base];
      return ReadError{ReadError::Kind::Syntax,
                       open.str() + ": error: section '" + describe(stack_[base]) +
                           "' is not closed: '}' missing before the end of " + source};
    }
    return std::nullopt;
  }

 private:
  std::vector<Section> stack_;
  std::vector<Where> opened_;
  int next_id_ = 0;
  std::size_t base_ = 0;  // sections opened before the current file began

  static std::string describe(const Section& s) {
    return s.name.empty() ? s.type : s.type + " " + s.name;
  }

  static ReadError syntax(const Where& w, const std::string& text) {
    return {ReadError::Kind::Syntax, w.str() + ": error: " + text};
  }

  // `$name` is the value set so far for `name` (in this section, else at
  // the top level); Dovecot's `mail_plugins = $mail_plugins sieve`.
  std::string expand(std::string_view v) const {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] != '$' || i + 1 >= v.size() ||
          !(std::isalpha(static_cast<unsigned char>(v[i + 1])) || v[i + 1] == '_')) {
        out += v[i];
        continue;
      }
      std::size_t j = i + 1;
      while (j < v.size() && (std::isalnum(static_cast<unsigned char>(v[j])) || v[j] == '_')) ++j;
      if (j < v.size() && v[j] == ':') {  // $ENV:NAME and the like stay as written
        out += v[i];
        continue;
      }
      const std::string_view name = v.substr(i + 1, j - i - 1);
      const Setting* found = nullptr;
      for (const auto& s : out_settings())
        if (s.key == name && (s.scope.empty() || s.scope_text() == scope_text())) found = &s;
      if (found) out += found->value;
      i = j - 1;
    }
    return out;
  }

  const std::vector<Setting>& out_settings() const { return out.settings; }

  std::string scope_text() const {
    Setting s;
    s.scope = stack_;
    return s.scope_text();
  }

  std::optional<ReadError> statement(std::string_view l, bool hidden, const Where& w,
                                     const std::string& dir, int depth) {
    std::size_t k = 0;
    while (k < l.size() && !base::is_space(l[k]) && l[k] != '=') ++k;
    const std::string key(l.substr(0, k));
    std::string_view rest = base::trim_left(l.substr(k));
    if (key == "!include" || key == "!include_try")
      return include(unquote(rest), key == "!include_try", w, dir, depth);
    if (!rest.empty() && rest.front() == '=') {
      if (key.empty()) return syntax(w, "'=' without a setting name");
      Setting s;
      s.scope = stack_;
      s.key = key;
      s.where = w;
      s.hidden = hidden;
      std::string_view v = base::trim_left(rest.substr(1));
      if (!v.empty() && v.front() == '<') {
        s.from_file = true;
        s.value = std::string(base::trim_left(v.substr(1)));
      } else if (quoted(v)) {
        s.value = unquote(v);
      } else {
        s.value = expand(v);
      }
      out.settings.push_back(std::move(s));
      return std::nullopt;
    }
    if (key == "}" && rest.empty()) {
      if (stack_.size() <= base_) return syntax(w, "'}' without an open section");
      stack_.pop_back();
      opened_.pop_back();
      return std::nullopt;
    }
    if (key == "}") return syntax(w, "garbage after '}'");
    // section_type [name] {
    const auto brace = rest.rfind('{');
    if (brace == std::string_view::npos)
      return syntax(w, "expected '" + key + " = value' or '" + key + " [name] {'");
    if (base::trim(rest.substr(brace + 1)).size() != 0) return syntax(w, "garbage after '{'");
    const std::string_view name = base::trim(rest.substr(0, brace));
    if (!quoted(name) && name.find_first_of(" \t{") != std::string_view::npos)
      return syntax(w, "garbage after '{' or a section name with spaces (quote it)");
    Section sec{key, unquote(name), ++next_id_};
    stack_.push_back(sec);
    opened_.push_back(w);
    out.sections.emplace_back(stack_, w);
    return std::nullopt;
  }

  std::optional<ReadError> include(const std::string& pattern, bool try_only, const Where& w,
                                   const std::string& dir, int depth) {
    if (pattern.empty()) return syntax(w, "!include without a file name");
    if (depth >= kMaxIncludeDepth)
      return syntax(w, "!include nested more than " + std::to_string(kMaxIncludeDepth) +
                           " deep (does a file include itself?)");
    const std::string path =
        fs::path(pattern).is_absolute() ? pattern : (fs::path(dir) / pattern).string();
    std::vector<std::string> files;
    if (has_glob(path)) {
      glob_t g{};
      const int rc = ::glob(path.c_str(), 0, nullptr, &g);
      for (std::size_t i = 0; rc == 0 && i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
      ::globfree(&g);
      if (files.empty() && !try_only)
        return ReadError{ReadError::Kind::Missing,
                         w.str() + ": error: !include " + pattern + ": no file matches " + path};
    } else {
      std::error_code ec;
      if (!fs::exists(path, ec)) {
        if (try_only) return std::nullopt;
        return ReadError{ReadError::Kind::Missing,
                         w.str() + ": error: !include " + pattern + ": " + path + ": no such file"};
      }
      files.push_back(path);
    }
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      if (!in)
        return ReadError{ReadError::Kind::Missing, w.str() + ": error: !include " + pattern + ": " +
                                                       f + ": " + std::strerror(errno)};
      std::ostringstream buf;
      buf << in.rdbuf();
      if (auto e = file(buf.str(), f, fs::path(f).parent_path().string(), depth + 1)) return e;
    }
    return std::nullopt;
  }
};

}  // namespace

std::string Setting::scope_text() const {
  std::string out;
  for (const auto& s : scope) {
    if (!out.empty()) out += '/';
    out += s.type;
    if (!s.name.empty()) out += " " + s.name;
  }
  return out;
}

std::string Setting::name() const {
  const std::string sc = scope_text();
  return sc.empty() ? key : sc + "/" + key;
}

std::string Setting::shown_value() const {
  if (hidden) return "(hidden by doveconf -n)";
  return from_file ? "<" + value : value;
}

Result<DovecotConfig, ReadError> parse_dovecot_config(std::string_view text,
                                                      const std::string& source,
                                                      const std::string& dir) {
  Parser p;
  p.out.source = source;
  if (auto e = p.file(text, source, dir, 0)) return R::failure(*e);
  return std::move(p.out);
}

Result<DovecotConfig, ReadError> read_dovecot_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return R::failure({ReadError::Kind::Missing, path + ": error: " + std::strerror(errno)});
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_dovecot_config(buf.str(), path, fs::path(path).parent_path().string());
}

}  // namespace zest::migrate
