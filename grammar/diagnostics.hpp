// Errors and warnings with their location, and their rendering as
//   file:line:col: error: text
//   <source line>
//        ^
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "grammar/location.hpp"

namespace zest::grammar {

enum class Severity { Error, Warning };

struct Diagnostic {
  Severity severity = Severity::Error;
  Location loc;
  std::string message;
};

class Diagnostics {
 public:
  void error(Location loc, std::string message);
  void warning(Location loc, std::string message);
  const std::vector<Diagnostic>& all() const { return items_; }
  std::size_t error_count() const { return errors_; }
  std::size_t warning_count() const { return items_.size() - errors_; }
  bool has_errors() const { return errors_ > 0; }
  // Orders the diagnostics by source position (stable).
  void sort_by_location();

 private:
  std::vector<Diagnostic> items_;
  std::size_t errors_ = 0;
};

// "file:line:col: error: text" (one line, no source excerpt).
std::string format_short(std::string_view file, const Diagnostic& d);
// The short form followed by the source line and a caret under the column.
std::string format_with_source(std::string_view file, std::string_view source, const Diagnostic& d);

}  // namespace zest::grammar
