#include "grammar/diagnostics.hpp"

#include <algorithm>

#include <utility>

namespace zest::grammar {

void Diagnostics::sort_by_location() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.loc.line != b.loc.line ? a.loc.line < b.loc.line : a.loc.column < b.loc.column;
  });
}

void Diagnostics::error(Location loc, std::string message) {
  items_.push_back({Severity::Error, loc, std::move(message)});
  ++errors_;
}

void Diagnostics::warning(Location loc, std::string message) {
  items_.push_back({Severity::Warning, loc, std::move(message)});
}

std::string format_short(std::string_view file, const Diagnostic& d) {
  std::string out(file);
  out += ':';
  out += std::to_string(d.loc.line);
  out += ':';
  out += std::to_string(d.loc.column);
  out += d.severity == Severity::Error ? ": error: " : ": warning: ";
  out += d.message;
  return out;
}

namespace {

// The text of 1-based line `line` without its line ending, or nullopt-like
// empty view with found=false when the source has fewer lines.
std::string_view source_line(std::string_view source, std::uint32_t line, bool& found) {
  std::size_t start = 0;
  for (std::uint32_t l = 1; l < line; ++l) {
    const auto nl = source.find('\n', start);
    if (nl == std::string_view::npos) {
      found = false;
      return {};
    }
    start = nl + 1;
  }
  found = true;
  auto end = source.find('\n', start);
  if (end == std::string_view::npos) end = source.size();
  if (end > start && source[end - 1] == '\r') --end;
  return source.substr(start, end - start);
}

}  // namespace

std::string format_with_source(std::string_view file, std::string_view source,
                               const Diagnostic& d) {
  std::string out = format_short(file, d);
  bool found = false;
  const auto text = source_line(source, d.loc.line, found);
  if (!found) return out;
  out += '\n';
  out += text;
  out += '\n';
  // Keep tabs so the caret lines up with the source line in a terminal.
  const std::size_t col = d.loc.column > 0 ? d.loc.column - 1 : 0;
  for (std::size_t i = 0; i < col; ++i) out += (i < text.size() && text[i] == '\t') ? '\t' : ' ';
  out += '^';
  return out;
}

}  // namespace zest::grammar
